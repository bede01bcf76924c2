// The API's request and response shapes, as the server declares them: aliases of the types `make api-types`
// generates from its OpenAPI document (schema.d.ts), so that tsc checks the page against the server's schema.
// Only what the page adds (labels, UI-only shapes) is written here by hand.
import type { components } from './schema';

type Schemas = components['schemas'];

export type TaskStatus = Schemas['TaskStatus'];
export type TaskPriority = Schemas['TaskPriority'];

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

/** GET /tasks/{id} and the list. `next_id`: in the answer to completing a repeating task, the next
 * occurrence it made; `recurrence`: an RFC 5545 RRULE without the RRULE: prefix, or null. */
export type Task = Schemas['TaskRead'];

/** POST /tasks. */
export type TaskCreate = Schemas['TaskCreate'];

/** The fields a person may change (PATCH /tasks/{id}). */
export type TaskPatch = Schemas['TaskUpdate'];

/** A reminder at a time, or a number of minutes before the due date. */
export type Reminder = Schemas['ReminderAt'] | Schemas['ReminderBefore'];

/** A reminder that came due (GET /notifications). */
export type AppNotification = Schemas['NotificationRead'];

export type NotificationList = Schemas['NotificationList'];

export type User = Schemas['UserRead'];

/** POST /auth/login: the signed-in user (the session cookie comes with it). */
export type Session = Schemas['Session'];

export type HelpHistoryItem = Schemas['HelpItem'];

export type HelpHistory = Schemas['HelpHistory'];

export type Channel = Schemas['Channel'];

/** One change of a task (GET /tasks/{id}/history), oldest first. */
export type HistoryEntry = Schemas['HistoryEntry'];

/** GET /users/me/usage: this month's agent use and the plan's limits (null: unlimited). */
export type Usage = Schemas['Usage'];

/** POST /tasks/parse: one line read as a task; `title` is null when only fields were typed ("tomorrow"). */
export type ParsedTask = Schemas['TaskParsed'];

/** The fields POST /tasks/parse reads, by their task field names. */
export type ParsedField = Schemas['ReadWords']['field'];

/** GET /agents/status. */
export type AgentStatus = Schemas['AgentStatus'];

/** A specialist the service is configured with (GET /agents/status; the operator's SPECIALISTS_FILE). */
export type Specialist = Schemas['AgentInfo'];

/** Personal access tokens (/users/me/tokens); a new one's `token` is shown this once. */
export type AccessToken = Schemas['TokenRead'];
export type CreatedToken = Schemas['TokenCreated'];
export type TokenCreate = Schemas['TokenCreate'];
export type Scope = TokenCreate['scopes'][number];

export type CalendarFeed = Schemas['CalendarFeedURL'];

/** POST /users/me/import. */
export type ImportResult = Schemas['ImportResult'];
export type ImportFormat = ImportResult['format'];

/** Error bodies: `{detail}`, and a 422's list of problems (`{loc: ["body", "title"], msg, type}`). */
export type ErrorBody = Schemas['ErrorResponse'];
export type ValidationErrorBody = Schemas['ValidationErrorResponse'];
export type ValidationIssue = Schemas['ValidationIssue'];
