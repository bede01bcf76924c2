// Keyboard shortcuts: the list shown on `?`, the app-wide keys (help, open chat), and the test for
// "is this key meant for us" that the task list shares.
import { useEffect, useRef, useState } from 'react';
import { navigate } from '../lib/router';

export const SHORTCUTS: { keys: string[]; what: string }[] = [
  { keys: ['n'], what: 'Add a task' },
  { keys: ['/'], what: 'Search tasks' },
  { keys: ['j', '↓'], what: 'Next task' },
  { keys: ['k', '↑'], what: 'Previous task' },
  { keys: ['x'], what: 'Complete or reopen the task' },
  { keys: ['e'], what: 'Edit the task' },
  { keys: ['h'], what: 'Hide the subtasks (on a subtask: its parent’s)' },
  { keys: ['l'], what: 'Show the subtasks again' },
  { keys: ['Delete', '#'], what: 'Delete the task' },
  { keys: ['Alt+↑', 'Alt+↓'], what: 'Move the task up or down (Manual sort)' },
  { keys: ['z'], what: 'Undo' },
  { keys: ['c'], what: 'Open the chat' },
  { keys: ['?'], what: 'Show these shortcuts' },
  { keys: ['Esc'], what: 'Close, or leave a text box' },
];

/** A plain key pressed outside a text field: a shortcut rather than typing. */
export function isShortcut(e: KeyboardEvent): boolean {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return false;
  const el = e.target as HTMLElement | null;
  if (!el || !el.closest) return true;
  if (el.closest('input, textarea, select, [contenteditable="true"], [role="dialog"]')) return false;
  return true;
}

/** `?` lists the shortcuts; `c` opens the chat; Esc leaves a text box. */
export function Shortcuts({ chatVisible }: { chatVisible: boolean }) {
  const [open, setOpen] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (e.key === 'Escape' && el?.matches?.('input, textarea') && !el.closest('[role="dialog"]')) {
        el.blur();
        return;
      }
      if (!isShortcut(e)) return;
      if (e.key === '?') {
        e.preventDefault();
        returnTo.current = document.activeElement as HTMLElement | null;
        setOpen(true);
      } else if (e.key === 'c') {
        e.preventDefault();
        if (!chatVisible) navigate('/app/chat');
        setTimeout(() => document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus(), 0);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [chatVisible]);

  useEffect(() => {
    if (open) closeRef.current?.focus();
  }, [open]);

  if (!open) return null;
  const close = () => {
    setOpen(false);
    // Focus goes back where it was, never to the page body.
    setTimeout(() => returnTo.current?.focus(), 0);
  };
  return (
    <div className="dialog-backdrop" onClick={close}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault();
            close();
          } else if (e.key === 'Tab') {
            // The only control: keep focus inside the dialog.
            e.preventDefault();
          }
        }}
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.what}>
                <th scope="row">
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && ' or '}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </th>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button ref={closeRef} type="button" className="btn btn-primary" onClick={close}>
          Close
        </button>
      </div>
    </div>
  );
}
