"""The seed demo: a vanilla RNN learns a toy sequence rule, then generates a sequence.

Run: python examples/main.py  (the same as `python -m tinyrnn`; about 1 s)

Times measured with one BLAS thread (`OPENBLAS_NUM_THREADS=1 python ...`; see "BLAS threads" in
docs/training.md) on a shared 2-core machine under load.
"""

from tinyrnn.demo import run_demo

if __name__ == "__main__":
    run_demo()
