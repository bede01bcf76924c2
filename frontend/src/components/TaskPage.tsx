// One task: every field editable, its subtasks, delete with confirmation, and help from the agents.
import { useCallback, useEffect, useState } from 'react';
import { ApiError, messageOf } from '../api/http';
import { deleteTask, fetchTaskPage, getTask, taskListUrl } from '../api/tasks';
import type { Task } from '../api/types';
import { formatWhen, formatMinutes, isOverdue } from '../lib/dates';
import { Link, navigate } from '../lib/router';
import { HelpPanel } from './HelpPanel';
import { TaskEditor } from './TaskEditor';
import { TaskHistory } from './TaskHistory';

export function TaskPage({ taskId, tz }: { taskId: number; tz: string }) {
  const [task, setTask] = useState<Task | null>(null);
  const [subtasks, setSubtasks] = useState<Task[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const [editorKey, setEditorKey] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [historyKey, setHistoryKey] = useState(0);

  const load = useCallback(async () => {
    try {
      const { task: t } = await getTask(taskId);
      setTask(t);
      setMissing(false);
      const page = await fetchTaskPage(taskListUrl({ parent_id: taskId, limit: 200 }));
      setSubtasks(page.tasks.filter((s) => s.parent_id === taskId));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setMissing(true);
      else setError(messageOf(err));
    }
  }, [taskId]);

  useEffect(() => {
    void load();
  }, [load]);

  // The agents may change this task (a due date, subtasks): reload it and the editor.
  const refresh = useCallback(() => {
    void load();
    setEditorKey((k) => k + 1);
    setHistoryKey((k) => k + 1);
  }, [load]);

  const remove = async () => {
    try {
      await deleteTask(taskId);
      navigate('/app');
    } catch (err) {
      setError(messageOf(err));
      setConfirming(false);
    }
  };

  if (missing) {
    return (
      <main className="page">
        <p className="banner banner-error" role="alert">
          This task does not exist (or is not yours).
        </p>
        <Link to="/app">Back to the task list</Link>
      </main>
    );
  }

  return (
    <main className="page task-page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/app">← Tasks</Link>
        {task?.parent_id != null && (
          <>
            {' / '}
            <Link to={`/app/tasks/${task.parent_id}`}>Parent task #{task.parent_id}</Link>
          </>
        )}
      </nav>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {task && (
        <header className="task-page-head">
          <h1 className="task-page-title">{task.title}</h1>
          <p className="task-meta">
            <span className="muted">#{task.id}</span>
            {isOverdue(task) && <span className="badge badge-overdue">Overdue</span>}
            {task.due_date && <span>Due {formatWhen(task.due_date, tz)}</span>}
            {task.completed_at && <span>Completed {formatWhen(task.completed_at, tz)}</span>}
            <span className="muted">Created {formatWhen(task.created_at, tz)}</span>
          </p>
        </header>
      )}
      <div className="task-page-grid">
        <section aria-label="Task details" className="card">
          <TaskEditor reloadKey={editorKey} taskId={taskId} tz={tz} autoFocus={false} onSaved={(t) => {
              setTask(t);
              setHistoryKey((k) => k + 1);
            }} onMissing={() => setMissing(true)} />
          {subtasks.length > 0 && (
            <div className="subtask-box">
              <h2>Subtasks</h2>
              <ul className="plain-list">
                {subtasks.map((s) => (
                  <li key={s.id} className={s.status === 'completed' ? 'is-done' : undefined}>
                    <Link to={`/app/tasks/${s.id}`}>{s.title}</Link>
                    {s.estimate_minutes != null && <span className="muted"> ~{formatMinutes(s.estimate_minutes)}</span>}
                    {s.status === 'completed' && <span className="muted"> (done)</span>}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="danger-zone">
            {confirming ? (
              <div role="group" aria-label="Confirm deletion" className="confirm">
                <span>Delete this task{subtasks.length ? ' and its subtasks' : ''}?</span>
                <button type="button" className="btn btn-danger" onClick={() => void remove()}>
                  Yes, delete
                </button>
                <button type="button" className="btn" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </div>
            ) : (
              <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
                Delete task
              </button>
            )}
          </div>
        </section>
        <section className="card">
          <HelpPanel taskId={taskId} tz={tz} onTaskChanged={refresh} />
        </section>
        <section className="card">
          <TaskHistory taskId={taskId} tz={tz} reloadKey={historyKey} />
        </section>
      </div>
    </main>
  );
}
