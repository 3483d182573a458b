"""How strong a vault passphrase is, estimated by zxcvbn; weak ones are refused.

The vault file is the target of an offline attack (a stolen laptop, a backup): every guess costs
the attacker one Argon2id derivation (64 MiB, 3 passes), nothing more. zxcvbn estimates how many
guesses a smart attacker needs, knowing common passwords, names, words, dates, keyboard patterns,
repeats and l33t substitutions. We require its top score, 4: at least 10^10 guesses, which it
describes as "strong protection from an offline slow-hash attack". Score 3 (10^8) falls to a
few graphics cards in days. Four or five random words (diceware) or 12 random characters easily
pass; "welkom01" or a season with a year do not.

zxcvbn knows English lists only, so Dutch words that are guessed first here (the program's and
the municipality's name, "wachtwoord", "welkom") are passed as the user's own words.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from audio.errors import GespreksError

STRONG_SCORE = 4  # zxcvbn's scale 0-4; 4 means an estimated 10^10 guesses or more
MAX_CHECKED = 72  # zxcvbn refuses longer input (its matching grows fast); the rest only adds
CONTEXT_WORDS = (
    "gespreksopname",
    "gesprek",
    "opname",
    "gemeente",
    "municipality",
    "welkom",
    "wachtwoord",
    "geheim",
    "kluis",
    "vault",
)
_lock = threading.Lock()  # zxcvbn keeps the user's words in a module global


class WeakPassphrase(GespreksError):
    """The passphrase is too easy to guess; the message says what would be strong enough."""

    key = "error.weak_passphrase"


@dataclass(frozen=True)
class Strength:
    score: int  # 0 (guessed at once) to 4 (strong)
    guesses_log10: float

    @property
    def strong(self) -> bool:
        return self.score >= STRONG_SCORE


def strength(passphrase: str, user_inputs: Iterable[str] = ()) -> Strength:
    """zxcvbn's estimate of `passphrase`, knowing the words of this context (`user_inputs`:
    the organisation's name, say) and of this program."""
    from zxcvbn import zxcvbn  # imported here: it loads large word lists

    if not passphrase:
        return Strength(0, 0.0)  # zxcvbn 4.5.0 fails on an empty string
    words: list[str] = list(CONTEXT_WORDS)
    for item in user_inputs:
        words += [item, *item.split()]
    with _lock:
        result = zxcvbn(passphrase[:MAX_CHECKED], user_inputs=words, max_length=MAX_CHECKED)
    return Strength(int(result["score"]), float(result["guesses_log10"]))


def check_strength(passphrase: str, user_inputs: Iterable[str] = ()) -> None:
    """Refuse a passphrase that is too easy to guess (before anything is made or changed)."""
    if not strength(passphrase, user_inputs).strong:
        raise WeakPassphrase()
