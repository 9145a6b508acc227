"""V1 system identification on natural images (Antolik et al. 2016; the msc-neuro thesis).

Population responses of V1 neurons to 31x31 natural image patches; models of the HSM family map
images to firing rates. This package holds the published data format (loader, validator and a
synthetic generator with a known ground truth).
"""
