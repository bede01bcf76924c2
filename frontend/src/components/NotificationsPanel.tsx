// Reminders that came due: a bell in the header with the unread count, the list on demand. It asks the
// server every POLL_MS while the page is visible (and at once when the tab comes back), so a reminder
// shows up without a reload; a new one is announced to screen readers.
import { useCallback, useEffect, useRef, useState } from 'react';
import { listNotifications, markAllNotificationsRead, markNotificationRead } from '../api/notifications';
import type { AppNotification } from '../api/types';
import { formatDateTime, formatWhen } from '../lib/dates';
import { Link } from '../lib/router';

export const POLL_MS = 30_000;

export function NotificationsPanel({ tz, pollMs = POLL_MS }: { tz: string; pollMs?: number }) {
  const [items, setItems] = useState<AppNotification[] | null>(null);
  const [unread, setUnread] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  const newestSeen = useRef<number | null>(null);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const list = await listNotifications(signal);
      const newest = list.notifications[0]?.id ?? 0;
      const previous = newestSeen.current;
      if (previous !== null && newest > previous) {
        const fresh = list.notifications.filter((n) => n.id > previous && !n.read);
        if (fresh.length === 1) setAnnouncement(`Reminder: ${fresh[0].title}`);
        else if (fresh.length > 1) setAnnouncement(`${fresh.length} new reminders`);
      }
      newestSeen.current = Math.max(previous ?? 0, newest);
      setItems(list.notifications);
      setUnread(list.unread);
    } catch {
      /* a courtesy: without it the page works the same, and the next poll tries again */
    }
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    void load(ctrl.signal);
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') void load(ctrl.signal);
    }, pollMs);
    const onVisible = () => {
      if (document.visibilityState !== 'hidden') void load(ctrl.signal);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      ctrl.abort();
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [load, pollMs]);

  const markRead = async (n: AppNotification) => {
    if (n.read) return;
    setItems((list) => list && list.map((each) => (each.id === n.id ? { ...each, read: true } : each)));
    setUnread((count) => Math.max(0, count - 1));
    try {
      await markNotificationRead(n.id);
    } catch {
      void load();
    }
  };

  const markAll = async () => {
    setItems((list) => list && list.map((each) => ({ ...each, read: true })));
    setUnread(0);
    try {
      await markAllNotificationsRead();
    } catch {
      void load();
    }
  };

  if (items === null) return null;
  const label = unread ? `Notifications, ${unread} unread` : 'Notifications';
  return (
    <>
      <details className="notifications-panel">
        <summary aria-label={label} title={label}>
          <span aria-hidden="true">🔔</span>
          {unread > 0 && (
            <span className="notifications-badge" aria-hidden="true">
              {unread > 99 ? '99+' : unread}
            </span>
          )}
        </summary>
        <div className="notifications-details small">
          <div className="notifications-head">
            <strong>Reminders</strong>
            {unread > 0 && (
              <button type="button" className="btn btn-small" onClick={() => void markAll()}>
                Mark all read
              </button>
            )}
          </div>
          {items.length === 0 ? (
            <p className="muted">No reminders yet. Give a task a reminder and it appears here when it comes due.</p>
          ) : (
            <ul className="plain-list notifications-list">
              {items.map((n) => (
                <li key={n.id} className={n.read ? 'notification' : 'notification notification-unread'}>
                  <Link to={`/app/tasks/${n.task_id}`} onClick={() => void markRead(n)}>
                    {n.read ? '' : <span className="visually-hidden">Unread: </span>}
                    {n.title}
                  </Link>
                  <span className="muted">
                    {n.due_date ? `due ${formatWhen(n.due_date, tz)} · ` : ''}
                    reminded {formatDateTime(n.remind_at, tz)}
                    {n.late ? ' (sent late: the server was down then)' : ''}
                  </span>
                  {!n.read && (
                    <button type="button" className="btn btn-small" onClick={() => void markRead(n)} aria-label={`Mark read: “${n.title}”`}>
                      Mark read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      </details>
      {/* Outside the details: a closed one's content is not rendered, so it could not be announced. */}
      <span className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </span>
    </>
  );
}
