// The ChatKit server protocol, typed from the Python SDK's chatkit/types.py (openai-chatkit 1.6.x).
// The server serialises with exclude_none, so optional fields may be missing rather than null.

// ---------- pages ----------
export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string | null;
}

// ---------- user input ----------
export interface UserMessageTextContent {
  type: 'input_text';
  text: string;
}
export interface UserMessageTagContent {
  type: 'input_tag';
  id: string;
  text: string;
  data: Record<string, unknown>;
  group?: string | null;
  interactive?: boolean;
}
export type UserMessageContent = UserMessageTextContent | UserMessageTagContent;

export interface InferenceOptions {
  tool_choice?: { id: string } | null;
  model?: string | null;
}

export interface UserMessageInput {
  content: UserMessageContent[];
  attachments: string[];
  quoted_text?: string | null;
  inference_options: InferenceOptions;
}

// ---------- requests ----------
interface BaseReq {
  metadata?: Record<string, unknown>;
}
export interface ThreadsCreateReq extends BaseReq {
  type: 'threads.create';
  params: { input: UserMessageInput };
}
export interface ThreadsAddUserMessageReq extends BaseReq {
  type: 'threads.add_user_message';
  params: { thread_id: string; input: UserMessageInput };
}
export interface ThreadsRetryAfterItemReq extends BaseReq {
  type: 'threads.retry_after_item';
  params: { thread_id: string; item_id: string };
}
export interface ThreadsGetByIdReq extends BaseReq {
  type: 'threads.get_by_id';
  params: { thread_id: string };
}
export interface ThreadsListReq extends BaseReq {
  type: 'threads.list';
  params: { limit?: number | null; order?: 'asc' | 'desc'; after?: string | null };
}
export interface ItemsListReq extends BaseReq {
  type: 'items.list';
  params: { thread_id: string; limit?: number | null; order?: 'asc' | 'desc'; after?: string | null };
}
export interface ThreadsUpdateReq extends BaseReq {
  type: 'threads.update';
  params: { thread_id: string; title: string };
}
export interface ThreadsDeleteReq extends BaseReq {
  type: 'threads.delete';
  params: { thread_id: string };
}
export interface ItemsFeedbackReq extends BaseReq {
  type: 'items.feedback';
  params: { thread_id: string; item_ids: string[]; kind: 'positive' | 'negative' };
}

export type StreamingReq = ThreadsCreateReq | ThreadsAddUserMessageReq | ThreadsRetryAfterItemReq;
export type NonStreamingReq = ThreadsGetByIdReq | ThreadsListReq | ItemsListReq | ThreadsUpdateReq | ThreadsDeleteReq | ItemsFeedbackReq;
export type ChatKitReq = StreamingReq | NonStreamingReq;

// ---------- threads ----------
export type ThreadStatus = { type: 'active' } | { type: 'locked'; reason?: string | null } | { type: 'closed'; reason?: string | null };

export interface ThreadMetadata {
  id: string;
  title?: string | null;
  created_at: string;
  status?: ThreadStatus;
  allowed_image_domains?: string[] | null;
  metadata?: Record<string, unknown>;
}

export interface Thread extends ThreadMetadata {
  items: Page<ThreadItem>;
}

// ---------- items ----------
interface ThreadItemBase {
  id: string;
  thread_id: string;
  created_at: string;
}

export interface AssistantMessageContent {
  type: 'output_text';
  text: string;
  annotations?: unknown[];
}

export interface UserMessageItem extends ThreadItemBase {
  type: 'user_message';
  content: UserMessageContent[];
  attachments?: unknown[];
  quoted_text?: string | null;
  inference_options?: InferenceOptions;
}

export interface AssistantMessageItem extends ThreadItemBase {
  type: 'assistant_message';
  content: AssistantMessageContent[];
}

export interface ClientToolCallItem extends ThreadItemBase {
  type: 'client_tool_call';
  status: 'pending' | 'completed';
  call_id: string;
  name: string;
  arguments: Record<string, unknown>;
  output?: unknown;
}

export interface WidgetItem extends ThreadItemBase {
  type: 'widget';
  widget: unknown;
  copy_text?: string | null;
}

/** A workflow task (not one of our to-do tasks): custom, thought, web_search, file, image. */
export interface WorkflowTask {
  type: 'custom' | 'thought' | 'web_search' | 'file' | 'image' | string;
  status_indicator?: 'none' | 'loading' | 'complete';
  title?: string | null;
  icon?: string | null;
  content?: string | null;
  title_query?: string | null;
  queries?: string[];
}

export interface Workflow {
  type: 'custom' | 'reasoning';
  tasks: WorkflowTask[];
  summary?: { title: string; icon?: string | null } | { duration: number } | null;
  expanded?: boolean;
}

export interface WorkflowItem extends ThreadItemBase {
  type: 'workflow';
  workflow: Workflow;
}

export interface TaskItem extends ThreadItemBase {
  type: 'task';
  task: WorkflowTask;
}

export interface EndOfTurnItem extends ThreadItemBase {
  type: 'end_of_turn';
}

export interface GeneratedImageItem extends ThreadItemBase {
  type: 'generated_image';
  image?: { id: string; url: string } | null;
}

/** Anything else a server may add; rendered as a compact line. */
export interface UnknownItem extends ThreadItemBase {
  type: string;
  [key: string]: unknown;
}

export type KnownThreadItem =
  | UserMessageItem
  | AssistantMessageItem
  | ClientToolCallItem
  | WidgetItem
  | WorkflowItem
  | TaskItem
  | EndOfTurnItem
  | GeneratedImageItem;

export type ThreadItem = KnownThreadItem | UnknownItem;

// ---------- item updates ----------
export type ThreadItemUpdate =
  | { type: 'assistant_message.content_part.added'; content_index: number; content: AssistantMessageContent }
  | { type: 'assistant_message.content_part.text_delta'; content_index: number; delta: string }
  | { type: 'assistant_message.content_part.annotation_added'; content_index: number; annotation_index: number; annotation: unknown }
  | { type: 'assistant_message.content_part.done'; content_index: number; content: AssistantMessageContent }
  | { type: 'workflow.task.added'; task_index: number; task: WorkflowTask }
  | { type: 'workflow.task.updated'; task_index: number; task: WorkflowTask }
  | { type: 'widget.streaming_text.value_delta'; component_id: string; delta: string; done: boolean }
  | { type: 'widget.root.updated'; widget: unknown }
  | { type: 'widget.component.updated'; component_id: string; component: unknown }
  | { type: 'generated_image.updated'; image: { id: string; url: string }; progress?: number | null };

// ---------- stream events ----------
export type ThreadStreamEvent =
  | { type: 'thread.created'; thread: Thread }
  | { type: 'thread.updated'; thread: Thread }
  | { type: 'thread.item.added'; item: ThreadItem }
  | { type: 'thread.item.updated'; item_id: string; update: ThreadItemUpdate }
  | { type: 'thread.item.done'; item: ThreadItem }
  | { type: 'thread.item.removed'; item_id: string }
  | { type: 'thread.item.replaced'; item: ThreadItem }
  | { type: 'stream_options'; stream_options: { allow_cancel: boolean } }
  | { type: 'progress_update'; icon?: string | null; text: string }
  | { type: 'client_effect'; name: string; data?: Record<string, unknown> }
  | { type: 'error'; code?: string; message?: string | null; allow_retry?: boolean }
  | { type: 'notice'; level: 'info' | 'warning' | 'danger'; message: string; title?: string | null };

export function textInput(text: string): UserMessageInput {
  return { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} };
}

export function userMessageText(item: UserMessageItem): string {
  return (item.content ?? []).map((c) => c.text).join('');
}

export function assistantText(item: AssistantMessageItem): string {
  return (item.content ?? []).map((c) => c.text).join('\n\n');
}
