"""Sound localisation with a spiking network under Dale's law (the Cosyne "comob" SNN project).

The network hears 100 auditory-nerve fibres per ear, phase-locked to a 20 Hz tone, and reports the
interaural phase difference (IPD) as one of 12 classes of 15 degrees.
"""
