"""A character-level language model: the classic minimal char-RNN setup, in tinyrnn.

    python examples/char_rnn.py                  # 10000 steps on examples/data/recurrent.txt, ~16 s
    python examples/char_rnn.py my_book.txt --steps 20000
    python examples/char_rnn.py --fast           # a few steps, under 1 s (used by the tests)

Times measured with one BLAS thread (`OPENBLAS_NUM_THREADS=1 python ...`; see "BLAS threads" in
docs/training.md) on a shared 2-core machine under load.

Setup: one-hot characters -> vanilla RNN with 100 hidden units -> linear layer -> softmax over
the vocabulary; the text is read in 25-character chunks with stateful truncated BPTT (the hidden
state flows from chunk to chunk, the gradient stops at chunk boundaries); Adagrad with learning
rate 0.1; every gradient entry clipped to [-5, 5]. The loss is the cross-entropy per character
in nats (ln(vocabulary size) for a model that knows nothing). Samples are printed as it trains.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np

import tinyrnn as tr
from tinyrnn.data import CharVocab, TextDataset

DEFAULT_TEXT = Path(__file__).parent / "data" / "recurrent.txt"


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("text", nargs="?", default=str(DEFAULT_TEXT), help="a UTF-8 text file")
    parser.add_argument("--steps", type=int, default=10000, help="parameter updates (chunks)")
    parser.add_argument("--hidden-size", type=int, default=100)
    parser.add_argument("--seq-len", type=int, default=25)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--sample-every", type=int, default=2000)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true", help="tiny run for tests (seconds)")
    args = parser.parse_args(argv)
    if args.fast:
        args.steps, args.hidden_size, args.sample_every = 40, 32, 20
    sample_length = 60 if args.fast else 200

    text = Path(args.text).read_text(encoding="utf-8")
    vocab = CharVocab(text)
    data = TextDataset(text, batch_size=1, seq_len=args.seq_len, one_hot=True)
    size = len(vocab)
    counts = np.array(list(Counter(text).values()), dtype=np.float64)
    unigram = float(-np.sum(counts / counts.sum() * np.log(counts / counts.sum())))
    print(f"text: {args.text}, {len(text)} characters, {size} distinct")
    print(f"loss per character: uniform guess {math.log(size):.3f}, letter frequencies "
          f"{unigram:.3f} nats")  # fmt: skip

    rng = np.random.default_rng(args.seed)
    model = tr.Sequential(
        tr.RNN(size, args.hidden_size, stateful=True, rng=rng),  # carries h across chunks
        tr.Linear(args.hidden_size, size, rng=rng),
    )
    loss_fn = tr.CrossEntropyLoss()
    optimizer = tr.Adagrad(model.parameters(), lr=args.lr)
    smooth = math.log(size)  # the running loss starts where a know-nothing model is
    step, started = 0, time.perf_counter()
    while step < args.steps:
        model[0].reset_state()  # back to the start of the text: forget the old state
        for inputs, targets in data:  # (1, 25, V) one-hot, (1, 25) next characters
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            model.backward(loss_fn.backward())
            tr.clip_grad_value(model.parameters(), 5.0)
            optimizer.step()
            smooth = 0.99 * smooth + 0.01 * loss
            step += 1
            if step % args.sample_every == 0 or step == args.steps:
                print(f"\nstep {step}, loss per char {smooth:.3f} (smoothed) ----")
                prime = vocab.decode(targets[0, -1:])  # continue from where training is
                print(tr.sample(model, vocab, prime, sample_length, args.temperature, rng=rng))
            if step == args.steps:
                break
    seconds = time.perf_counter() - started

    final = text_loss(model, vocab, text, args.seq_len)
    print(f"\n{args.steps} steps ({args.steps * args.seq_len} characters seen) in {seconds:.1f} s")
    print(f"loss per character over the whole text: {final:.3f} nats "
          f"({final / math.log(2):.2f} bits)")  # fmt: skip
    return {"loss_per_char": final, "smoothed": smooth, "steps": args.steps, "seconds": seconds,
            "uniform": math.log(size), "unigram": unigram}  # fmt: skip


def text_loss(model: tr.Module, vocab: CharVocab, text: str, seq_len: int) -> float:
    """Mean cross-entropy per character over the whole text, read in order in one stream."""
    loss_fn = tr.CrossEntropyLoss()
    total, count = 0.0, 0
    data = TextDataset(text, batch_size=1, seq_len=seq_len, vocab=vocab, one_hot=True)
    with tr.sampling.evaluating(model, stateful=True):  # no_grad, eval mode, state restored
        for inputs, targets in data:
            total += loss_fn(model(inputs), targets) * targets.size
            count += targets.size
    return total / count


if __name__ == "__main__":
    main()
