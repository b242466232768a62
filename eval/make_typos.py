#!/usr/bin/env python3
"""Derives a typo'd copy of a question set: two words of six letters or more per question get one
edit each (a letter dropped, doubled, replaced or swapped with the next), with a fixed seed so the
files are reproducible. Usage: eval/make_typos.py eval/dev.jsonl eval/dev-typos.jsonl"""
import json
import random
import sys

random.seed(7)


def typo(word):
    i = random.randrange(1, len(word) - 1)
    op = random.choice(["del", "swap", "sub", "dup"])
    if op == "del":
        return word[:i] + word[i + 1:]
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == "sub":
        return word[:i] + random.choice("aeiourstnl") + word[i + 1:]
    return word[:i] + word[i] + word[i:]


src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as lines, open(dst, "w", encoding="utf-8") as out:
    for line in lines:
        case = json.loads(line)
        words = case["q"].split(" ")
        long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha() and w.islower()]
        for i in random.sample(long_words, min(2, len(long_words))):
            words[i] = typo(words[i])
        case["q"] = " ".join(words)
        out.write(json.dumps(case, ensure_ascii=False) + "\n")
