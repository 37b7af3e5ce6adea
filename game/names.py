"""The nickname filter: nicknames go up on the projector in front of colleagues, so the
common insults and slurs of the languages the pages speak (English, Spanish) are refused.

Names are compared as seen: accents dropped, case folded, and digits and symbols that stand
for letters read as those letters ("5h1t", "p.u.t.a"). A word counts when it is a whole word
of the name, or anywhere in it for the few that are never part of an innocent word.
"""

from __future__ import annotations

import re
import unicodedata

# Whole words only: each of these is also part of ordinary words or names.
_WORD_LIST = """
arse arsehole ass asshole bastard bitch bitches bollocks boob boobs crap cunt dickhead dildo
jerkoff piss prick pussy retard slut tits twat wank wanker whore cabron cabrona capullo
chingada chingar cojones culero culo follar idiota imbecil joder mamon marica maricon mierda
naco pendeja pendejo perra polla puta putas puto verga zorra
"""
_WORDS = frozenset(_WORD_LIST.split())
# Anywhere in the name: never part of an innocent word.
_ANYWHERE = ("fuck", "shit", "nigger", "nigga", "faggot", "motherfuck", "gilipollas")
_LOOKALIKES = str.maketrans("0134578@$!|", "oieastbasil")


def _seen(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.translate(_LOOKALIKES)


def is_offensive(name: str) -> bool:
    seen = _seen(name)
    if any(word in _WORDS for word in re.findall(r"[a-z]+", seen)):
        return True
    squashed = re.sub(r"[^a-z]", "", seen)
    return any(word in squashed for word in _ANYWHERE) or squashed in _WORDS
