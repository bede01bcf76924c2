// Which parents have their subtasks folded away: kept in localStorage per user, so a reload (or tomorrow's
// visit in the same browser) shows the list as it was left. Not in the address: a shared link shows all.
const KEY = 'taskagent.folded.';
/** Enough for anyone's folded parents; the oldest go first (deleted tasks leave ids behind). */
const MAX = 500;

export function readFolded(userId: number | string): Set<number> {
  try {
    const raw = JSON.parse(window.localStorage.getItem(KEY + userId) ?? '[]') as unknown;
    return new Set(Array.isArray(raw) ? raw.filter((x): x is number => Number.isInteger(x)) : []);
  } catch {
    return new Set(); // storage off or the value mangled: nothing folded
  }
}

export function writeFolded(userId: number | string, folded: ReadonlySet<number>): void {
  try {
    window.localStorage.setItem(KEY + userId, JSON.stringify([...folded].slice(-MAX)));
  } catch {
    // Private mode or a full storage: the fold lasts this visit only.
  }
}
