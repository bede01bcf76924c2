"""The blind sets: phrasings written by someone who never saw the engine, its corpus or our cases, from the
format in ../shared/eval/README.md and the product's contract alone, each split in two halves alike in kind.
The `dev` half may be looked at to improve the engine; the `test` half is never tuned on, and its figure is
the one the README reports.

- `blind` (tests/eval/utterances-blind-*.jsonl, written 6 Dec 2026): 100 chat, 30 help requests. When it
  arrived: dev chat 27/51, help 14/15; test 25/49, 14/15. After changes tuned on its dev half: dev 42/51,
  14/15; test (run once) 33/49, 15/15.
- `blind2` (tests/eval/utterances-blind2-*.jsonl, written 6 Dec 2026 by a second writer who also never saw
  the first set): 150 chat, 50 help requests. When it arrived: dev chat 58/76, help 25/26; test 51/74, 24/24.
- Both dev halves after changes tuned on them (own-words corpus for the kinds missed, indirect renames,
  status said as a statement, a task named before "it", two tasks in one reference, group deletions,
  field words in creates): blind dev chat 50/51, help 15/15; blind2 dev chat 75/76, help 26/26; then the
  test halves, run once: blind test chat 35/49, help 15/15; blind2 test chat 52/74, help 24/24.

- A third round (6 Dec 2026): 600 more corpus utterances by a writer who saw no blind set, priority
  suggestions, readers for lines after a header, "marked high", "them all", moves between two dates; the
  dev and test halves of `blind` and `blind2` were both looked at, so they are dev data now: blind test chat
  45/49, blind2 test 69/74.
- `blind3` (tests/eval/utterances-blind3.jsonl, written 6 Dec 2026 by a third writer who saw only the eval
  README and the product contract): 160 chat, 40 help requests, one file, run once when it arrived:
  chat 126/160 (79 %), help 39/40. The fair figure of this round. After three general fixes made on
  seeing its misses (a question never deletes, "…, take it off my list", typos of date units): chat
  129/160, help 39/40; it is dev data from now on.
- `blind4` (tests/eval/utterances-blind4.jsonl, written 6 Dec 2026 by a fourth writer, same brief, after the
  round tuned on blind3): 120 chat, 30 help requests, run once when it arrived: chat 92/120 (77 %), help
  28/30. After a round tuned on both (answers to the engine's own questions, lists before a footer line,
  a numbered list in one line, vague titles asked about, done statements with a time, ...): blind3 chat
  146/160, blind4 chat 106/120, help 29/30. docs/understanding-mistakes.md tabulates what is left.
- `blind5` (tests/eval/utterances-blind5.jsonl, written 7 Dec 2026 by a fifth writer, same brief, a third
  of its chat cases in two or three turns): 150 chat, 30 help requests, run once when it arrived: chat
  119/150 (79 %), help 29/30. A reader of follow-ups that only add fields to the task just created or
  changed ("sunday would be good", "both urgent", "sorry, friday at 9am"), "never mind" after a question,
  and deadlines no longer read as done ("needs to be finished by Friday"), all made from blind3/blind4's
  mistakes, then: blind3 149/160, blind4 109/120, blind5 130/150. After a round tuned on blind5 (a list's
  follow-up narrows or repeats it, "both of them" after a question, "yeah add it" after a statement, quoted
  titles hidden from the chat model, "add a deadline to X: friday", plain lines as tasks, reasons after a
  deletion, "X - make that tomorrow"): blind3 153/160, blind4 110/120, blind5 147/150, help 30/30.
- `blind6` (tests/eval/utterances-blind6.jsonl, written 7 Dec 2026 by a sixth writer, same brief, asked
  for British, American and Australian English, non-native speakers and dictated run-on sentences): 150 chat,
  30 help requests, run once when it arrived (after the round tuned on blind5): chat 107/150 (71 %), help
  30/30. After a round tuned on it (remarks after a follow-up's fields, a time alone keeps the task's day,
  "tonight at 8", "another week on", "the Bali tasks" as all of them, "not the shed one", "but now ...",
  "set X to high", "on the go", "next fortnight", one-word searches list every fit): chat 134/150; then
  (two errands joined by "and", "sorry I meant X not Y", "needs ordering by", "any more"): 141/150.
- `blind7` (tests/eval/utterances-blind7.jsonl, written 7 Dec 2026 by a seventh writer, same brief, as a
  cast of different users typing on a phone), run once after the rounds tuned on blind5 and blind6, not
  tuned on since: chat 112/150 (75 %), help 28/30 (93 %). The fair figure of this session (113/150 after
  the last fixes made on blind6's mistakes).

- `blind8`-`blind14` (7 Dec 2026, same brief, seven writers): each run once as it arrived, then tuned on;
  unseen first runs, chat 910/1050 (87 %), help 201/210.
- `blind15`-`blind20` (7 Dec 2026, same brief, each with four named writers of styles not asked for before):
  first runs chat 82, 109, 118, 121, 113 and 122 of 150, help 175/180. `blind17` and `blind18` are never
  tuned on (their mistakes are counted by kind, not read); the others were tuned on after their first run.

- `blind21` and `blind22` (7 Dec 2026, same brief, four named writers each: a dairy farmer typing at 5am, a
  back-end engineer writing like commit messages, a grandmother who writes without punctuation, a sales rep
  full of abbreviations; a Scottish joiner, a Nigerian accountant writing formal English, a tired teacher
  correcting herself, a touring musician): run once after the fourth round of 7 Dec, chat 96/150 and
  109/150, help 28/30 and 28/30 (the code before that round: 94 and 107).

- `blind23` and `blind24` (7 Dec 2026, same brief; blind23: a head chef, a German speaker of English, a father
  dictating while driving, a real-estate agent; blind24: a Singaporean shop owner writing Singlish, a junior
  doctor on night shift, a country vicar, a South African electrician): first runs chat 113/150 and
  121/150, help 29/30 and 30/30; then tuned on, with blind21 and blind22 (after: blind21 115, blind22 115,
  blind23 122, blind24 134).
- `blind25` and `blind26` (7 Dec 2026, same brief; blind25: a retired army officer, a Brazilian writing
  English with Portuguese turns, a basketball coach, a baker at 4am; blind26: a Dublin taxi driver, a
  museum curator, a Korean-American nail salon owner, a nursing-home manager): run once after that round,
  chat 115/150 and 119/150, help 28/30 each, and never tuned on (the code before the round: 114 and 117).

- `blind27` and `blind28` (7 Dec 2026, same brief; blind27: a Scottish trawler skipper, a 15-year-old gamer,
  a French conference interpreter, a wedding planner; blind28: a Nigerian community pharmacist, a software
  project manager writing like Slack, an elderly Texas rancher, a Japanese exchange student): first runs
  chat 111/150 and 135/150, help 29/30 each; then tuned on, with blind21-24 (after: blind21 121, blind22
  119, blind23 124, blind24 134, blind27 137, blind28 147; blind25, never tuned on, 115 -> 116).
- `blind29` and `blind30` (7 Dec 2026, same brief; blind29: an Australian plumber, an anxious PhD student, an
  Indian IT consultant, a mother of three texting in bursts; blind30: a Welsh headteacher, a Miami restaurant
  owner mixing in Spanish, a pedantic retired engineer, a freelance designer writing lowercase with emoji):
  run once after that round, chat 127/150 and 125/150, help 29/30 and 30/30, and never tuned on (the code
  before the round: 124 and 123).
- `blind31` and `blind32` (7 Dec 2026, same brief; blind31: an ICU night nurse writing clipped notes, a
  Polish construction foreman writing English as a second language, a corporate lawyer writing long formal
  sentences, someone dictating by voice on a phone; blind32: a rural Canadian beekeeper, a startup founder
  full of jargon, a Filipino call-centre agent mixing in Taglish, a retired librarian): first runs chat
  105/150 and 117/150, help 29/30 each. blind31 then tuned on (140/150 after); blind32 never tuned on and
  still 117/150 after that round (its mistakes counted by kind, not read).
- `blind33` and `blind34` (8 Dec 2026, same brief; blind33: a Delhi student writing Hinglish, a retired
  postman typing in capitals, a carpenter with dyslexia spelling by ear, a Russian developer dropping
  articles; blind34: a Ghanaian teacher writing formal West African English, a fitness coach in hype and
  emoji, a London market trader in Cockney slang, a project manager writing markdown and key: value pairs):
  first runs chat 92/150 and 120/150, help 30/30 each. blind33 then tuned on (139/150 after); blind34 never
  tuned on (121/150 after that round; its mistakes counted by kind, not read).

The floors are the figures last measured, rounded down, less one point of chat (a case or two depend on the
day of the week the suite runs), so that the engine cannot lose ground unseen;
issue 13's goal (9 in 10) is still above them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tests.conftest import UserFactory
from tests.eval.expectations import load_cases
from tests.eval.test_heldout import meets, score

pytestmark = pytest.mark.backends("postgres")

HERE = Path(__file__).parent
# (chat, help) floors of each set's halves
FLOORS = {
    "blind-dev": (0.99, 1.0),
    "blind-test": (0.94, 1.0),
    "blind2-dev": (0.97, 1.0),
    "blind2-test": (0.97, 1.0),
    "blind3": (0.95, 0.97),
    "blind4": (0.95, 0.96),
    "blind5": (0.97, 1.0),
    "blind6": (0.93, 1.0),
    "blind7": (0.85, 0.96),
    "blind8": (0.97, 0.96),
    "blind9": (0.98, 0.96),
    "blind10": (0.95, 0.96),
    "blind11": (0.97, 1.0),
    "blind12": (0.97, 1.0),
    "blind13": (0.95, 1.0),
    "blind14": (0.93, 1.0),
    "blind15": (0.82, 0.93),
    "blind16": (0.95, 1.0),
    "blind17": (0.83, 0.96),
    "blind18": (0.86, 1.0),
    "blind19": (0.95, 0.93),
    "blind20": (0.97, 1.0),
    "blind21": (0.81, 0.93),
    "blind22": (0.78, 0.93),
    "blind23": (0.81, 0.96),
    "blind24": (0.88, 1.0),
    "blind25": (0.76, 0.93),
    "blind26": (0.8, 0.93),
    "blind27": (0.91, 0.96),
    "blind28": (0.97, 0.96),
    "blind29": (0.84, 0.96),
    "blind30": (0.82, 1.0),
    "blind31": (0.92, 0.96),
    "blind32": (0.77, 0.96),
    "blind33": (0.91, 1.0),
    "blind34": (0.79, 1.0),
}


# Through the public API: the sets never tuned on, which measure the product as a user meets it. The sets
# tuned on guard the engine against losing ground: they run in process through the same engine and SDK
# (tests/agents/offline/test_blind_sets.py), at a third of the cost, as their figures here and there
# agree case for case.
NEVER_TUNED = (
    "blind7",
    "blind17",
    "blind18",
    "blind25",
    "blind26",
    "blind29",
    "blind30",
    "blind32",
    "blind34",
)


@pytest.fixture
def settings_overrides() -> dict[str, int]:
    return {"agent_rate_limit": 10_000}


@pytest.mark.parametrize("half", NEVER_TUNED)
async def test_blind_phrasings(
    half: str,
    client: httpx.AsyncClient,
    make_user: UserFactory,
    record_property: Callable[[str, object], None],
) -> None:
    result = await score(client, make_user, load_cases(HERE / f"utterances-{half}.jsonl"))
    record_property(f"blind_{half}", result.report())
    print(f"\nblind {half}: {result.report()}")  # noqa: T201  (seen with -s: the figure to report)
    assert meets(result, *FLOORS[half]), result.report()
