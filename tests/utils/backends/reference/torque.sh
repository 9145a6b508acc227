#!/bin/bash
#PBS -N dale
#PBS -t 0-3
#PBS -q cpu.q
#PBS -l nodes=1:ppn=4:gpus=1
#PBS -l mem=8gb
#PBS -l walltime=01:30:00
#PBS -l mem_free=8G,act_mem_free=8G,h_data=20G

set -u
cd /PROJECT
keys=(f3e788fa09eb 0a3c89ff9420 f96922d9b4a1 430d6d399264)
dirs=(/PROJECT/training_data/sound_localisation/dale/ie_ratio=0.25__rep0 /PROJECT/training_data/sound_localisation/dale/ie_ratio=0.25__rep1 /PROJECT/training_data/sound_localisation/dale/ie_ratio=0.5__rep0 /PROJECT/training_data/sound_localisation/dale/ie_ratio=0.5__rep1)
i=${PBS_ARRAYID:-0}
mkdir -p "${dirs[$i]}"
exec >>"${dirs[$i]}/scheduler.log" 2>&1
export PYTHONPATH=/PROJECT/code"${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS=4 MKL_NUM_THREADS=4
exec /opt/venv/bin/python -m neuro.utils.backends.job_entry /PROJECT/sweep.json "${keys[$i]}" --backend torque --job-id "${PBS_JOBID}"
