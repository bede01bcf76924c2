"""Says plainly which real services `make test` will use or skip; fails under CI=true if one is missing."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.services import IN_CI, POSTGRES_AVAILABLE, POSTGRES_URL, REDIS_AVAILABLE, REDIS_URL

missing = []
for name, url, available in (
    ("PostgreSQL", POSTGRES_URL, POSTGRES_AVAILABLE),
    ("Redis", REDIS_URL, REDIS_AVAILABLE),
):
    state = "available" if available else "NOT reachable: its tests will be SKIPPED"
    print(f"{name} at {url}: {state}")
    if not available:
        missing.append(name)
if missing and IN_CI:
    print(f"CI=true and {', '.join(missing)} missing: failing.", file=sys.stderr)
    sys.exit(1)
