"""Neural Information Flow (Seeliger et al. 2021): one network from images to V1 and V2 voxels, each area
read out by a low-rank observation model; the BRAINS data format and a synthetic set with a known
ground truth. (The task and its configs are not registered yet: the family is being built.)"""
