export type TaskStatus = 'pending' | 'in_progress' | 'completed';
export type TaskPriority = 'low' | 'normal' | 'high' | 'urgent';

export const STATUSES: { value: TaskStatus; label: string }[] = [
  { value: 'pending', label: 'Pending' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'completed', label: 'Completed' },
];

export const PRIORITIES: { value: TaskPriority; label: string }[] = [
  { value: 'low', label: 'Low' },
  { value: 'normal', label: 'Normal' },
  { value: 'high', label: 'High' },
  { value: 'urgent', label: 'Urgent' },
];

export interface Task {
  id: number;
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: TaskPriority;
  due_date: string | null;
  tags: string[];
  parent_id: number | null;
  estimate_minutes: number | null;
  /** The manual order: lower first. */
  position: number;
  owner_id?: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** An RFC 5545 RRULE without the RRULE: prefix (FREQ=WEEKLY;BYDAY=FR), or null. */
  recurrence?: string | null;
  repeat_from?: 'due' | 'completion';
  /** In the answer to completing a repeating task: the next occurrence it made. */
  next_id?: number | null;
  reminders?: Reminder[];
}

/** A reminder at a time, or a number of minutes before the due date. */
export type Reminder = { at: string } | { before_minutes: number };

/** A reminder that came due (GET /notifications). */
export interface AppNotification {
  id: number;
  task_id: number;
  title: string;
  due_date: string | null;
  remind_at: string;
  created_at: string;
  late: boolean;
  read: boolean;
}

export interface NotificationList {
  notifications: AppNotification[];
  unread: number;
}

/** The fields a person may change (PATCH /tasks/{id}). */
export type TaskPatch = Partial<
  Pick<Task, 'title' | 'description' | 'status' | 'priority' | 'due_date' | 'tags' | 'parent_id' | 'estimate_minutes' | 'position' | 'recurrence' | 'repeat_from' | 'reminders'>
>;

export interface User {
  id: number;
  email: string;
  timezone: string;
  created_at: string;
}

export interface HelpHistoryItem {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  agent?: string | null;
  created_at: string;
}

export interface HelpHistory {
  thread_id: string | null;
  items: HelpHistoryItem[];
}

export type Channel = 'rest' | 'web' | 'chat' | 'help' | 'mcp' | 'system';

/** One change of a task (GET /tasks/{id}/history), oldest first. */
export interface HistoryEntry {
  at: string;
  actor: { id: number; email: string | null } | null;
  channel: Channel;
  action: 'created' | 'updated' | 'deleted';
  changes: Record<string, { from: unknown; to: unknown }>;
}

/** GET /users/me/usage: this month's agent use and the plan's limits (null: unlimited). */
export interface Usage {
  period: string;
  plan: string;
  runs: number;
  model_calls: number;
  input_tokens: number;
  output_tokens: number;
  limits: { runs: number | null; tokens: number | null };
  resets_at: string;
  by_model: { model: string; model_calls: number; input_tokens: number; output_tokens: number }[];
}
