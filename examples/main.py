"""The seed demo: a vanilla RNN learns a toy sequence rule, then generates a sequence.

Run: python examples/main.py  (the same as `python -m tinyrnn`)
"""

from tinyrnn.demo import run_demo

if __name__ == "__main__":
    run_demo()
