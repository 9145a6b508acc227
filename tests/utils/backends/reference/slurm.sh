#!/bin/bash

# Parameters
#SBATCH --array=0-3%4
#SBATCH --cpus-per-task=4
#SBATCH --error=/PROJECT/logs/%A_%a/%A_%a_0_log.err
#SBATCH --gpus-per-node=1
#SBATCH --job-name=dale
#SBATCH --mem=8192M
#SBATCH --nodes=1
#SBATCH --open-mode=append
#SBATCH --output=/PROJECT/logs/%A_%a/%A_%a_0_log.out
#SBATCH --signal=USR2@90
#SBATCH --time=90
#SBATCH --wckey=submitit

# setup
export PYTHONPATH=/PROJECT/code${PYTHONPATH:+:$PYTHONPATH}
export OMP_NUM_THREADS=4 MKL_NUM_THREADS=4

# command
export SUBMITIT_EXECUTOR=slurm
srun --unbuffered --output /PROJECT/logs/%A_%a/%A_%a_%t_log.out --error /PROJECT/logs/%A_%a/%A_%a_%t_log.err /opt/venv/bin/python -u -m submitit.core._submit /PROJECT/logs/%j
