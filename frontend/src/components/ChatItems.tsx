// How each kind of thread entry looks. Unknown item types become one compact line of their text.
import type { Entry } from '../chatkit/conversation';
import {
  assistantText,
  userMessageText,
  type AssistantMessageItem,
  type ThreadItem,
  type UserMessageItem,
  type WorkflowItem,
  type WorkflowTask,
} from '../chatkit/types';
import { localizeTimes } from '../lib/dates';
import { Markdown } from '../lib/markdown';

const ICONS: Record<string, string> = { agent: '↪ ', plus: '+ ', write: '✎ ', search: '⌕ ', calendar: '◷ ', info: 'ⓘ ', document: '≡ ' };

function taskLine(task: WorkflowTask | undefined): string {
  if (!task) return '';
  const parts = [task.title, task.content, task.title_query].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return parts.join(' — ');
}

/** Best-effort text of an item we have no special view for. */
export function itemSummary(item: ThreadItem): string {
  const rec = item as unknown as Record<string, unknown>;
  for (const key of ['text', 'title', 'copy_text', 'name', 'content', 'message']) {
    const v = rec[key];
    if (typeof v === 'string' && v.trim()) return v;
    if (Array.isArray(v)) {
      const joined = v
        .map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : typeof p === 'string' ? p : ''))
        .join(' ')
        .trim();
      if (joined) return joined;
    }
  }
  if (rec.task && typeof rec.task === 'object') return taskLine(rec.task as WorkflowTask);
  return '';
}

function WorkflowView({ item, tz }: { item: WorkflowItem; tz: string }) {
  const wf = item.workflow;
  const tasks = wf?.tasks ?? [];
  const summary = wf?.summary && 'title' in wf.summary ? wf.summary.title : null;
  return (
    <div className="chat-activity workflow">
      {summary && <div className="workflow-title">{summary}</div>}
      <ul>
        {tasks.map((t, i) => (
          <li key={i} className={t.status_indicator === 'loading' ? 'is-loading' : undefined}>
            <span aria-hidden="true">{t.status_indicator === 'complete' ? '✓ ' : t.status_indicator === 'loading' ? '… ' : '• '}</span>
            {localizeTimes(taskLine(t), tz) || t.type}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** One thread entry; every time in it is shown in `tz` (the server writes UTC ISO instants). */
export function ChatEntry({ entry, streaming, tz }: { entry: Entry; streaming: boolean; tz: string }) {
  const local = (text: string) => localizeTimes(text, tz);
  if (entry.kind === 'progress') {
    return (
      <li className="chat-activity progress">
        <span aria-hidden="true">↪ </span>
        {local(entry.text)}
      </li>
    );
  }
  if (entry.kind === 'notice') {
    return (
      <li className={`chat-notice notice-${entry.level}`} role={entry.level === 'danger' ? 'alert' : undefined}>
        {entry.title && <strong>{entry.title}: </strong>}
        <Markdown text={local(entry.message)} />
      </li>
    );
  }
  const { item } = entry;
  switch (item.type) {
    case 'user_message':
      return (
        <li className={`msg msg-user${entry.pending ? ' is-pending' : ''}`}>
          <span className="visually-hidden">You said:</span>
          <p className="plain">{userMessageText(item as UserMessageItem)}</p>
        </li>
      );
    case 'assistant_message': {
      const text = local(assistantText(item as AssistantMessageItem));
      const live = streaming && !entry.done;
      return (
        <li className={`msg msg-assistant${live ? ' is-streaming' : ''}`}>
          <span className="visually-hidden">Assistant:</span>
          {text ? <Markdown text={text} /> : <p className="muted">…</p>}
        </li>
      );
    }
    case 'workflow':
      return (
        <li>
          <WorkflowView item={item as WorkflowItem} tz={tz} />
        </li>
      );
    case 'task': {
      const t = (item as { task?: WorkflowTask }).task;
      const title = local(t?.title?.trim() || t?.title_query?.trim() || '');
      const content = local(t?.content?.trim() || '');
      return (
        <li className="chat-activity task-item">
          <span aria-hidden="true">{t?.status_indicator === 'loading' ? '… ' : ICONS[t?.icon ?? ''] ?? '✓ '}</span>
          {title || (!content ? 'Done' : '')}
          {content && (title ? <span className="plain activity-detail">{content}</span> : content)}
        </li>
      );
    }
    case 'client_tool_call':
      return (
        <li className="chat-activity">
          <span aria-hidden="true">⚙ </span>
          {(item as { name?: string }).name ?? 'tool'}
        </li>
      );
    case 'end_of_turn':
    case 'hidden_context_item':
    case 'sdk_hidden_context':
      return null;
    default: {
      const text = local(itemSummary(item));
      return (
        <li className="chat-activity unknown">
          <span className="muted">{item.type.replace(/_/g, ' ')}</span>
          {text ? `: ${text}` : ''}
        </li>
      );
    }
  }
}
