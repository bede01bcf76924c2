import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { currentUser, logout, updateTimezone } from './api/auth';
import { messageOf, UNAUTHORIZED_EVENT } from './api/http';
import type { User } from './api/types';
import { AuthForm } from './components/AuthForm';
import { Chat } from './components/Chat';
import { Shortcuts } from './components/Shortcuts';
import { TaskList } from './components/TaskList';
import { TaskPage } from './components/TaskPage';
import { NotificationsPanel } from './components/NotificationsPanel';
import { UsagePanel } from './components/UsagePanel';
import { browserTimeZone } from './lib/dates';
import { Link, matchRoute, navigate, usePath } from './lib/router';

// Visited rarely: its code is a separate chunk, fetched when the page is opened.
const Settings = lazy(() => import('./components/Settings'));

function Header({ user, onSignOut, onUserChange, usageKey }: { user: User; onSignOut: () => void; onUserChange: (u: User) => void; usageKey: number }) {
  const path = usePath();
  const browserTz = browserTimeZone();
  const [tzError, setTzError] = useState<string | null>(null);
  const useBrowserTz = async () => {
    try {
      onUserChange(await updateTimezone(browserTz));
      setTzError(null);
    } catch (err) {
      setTzError(messageOf(err));
    }
  };
  const onChat = path.startsWith('/app/chat');
  return (
    <header className="topbar">
      <Link to="/app" className="brand" aria-label="TaskAgent home">
        <span className="brand-mark" aria-hidden="true">
          ✓
        </span>
        TaskAgent
      </Link>
      <nav className="topnav" aria-label="Main">
        <Link to="/app" aria-current={path === '/app' ? 'page' : undefined}>
          Tasks
        </Link>
        <Link to="/app/chat" aria-current={onChat ? 'page' : undefined}>
          Chat
        </Link>
        <Link to="/app/settings" aria-current={path === '/app/settings' ? 'page' : undefined}>
          Settings
        </Link>
      </nav>
      <div className="account">
        {user.timezone !== browserTz && (
          <button type="button" className="btn btn-small tz-hint" onClick={() => void useBrowserTz()} title={`Times are shown in ${user.timezone}`}>
            Use {browserTz}
          </button>
        )}
        {tzError && <span className="field-error">{tzError}</span>}
        <NotificationsPanel tz={user.timezone || 'UTC'} />
        <UsagePanel tz={user.timezone || 'UTC'} refreshKey={usageKey} />
        <span className="user-email" title={`Time zone: ${user.timezone}`}>
          {user.email}
        </span>
        <button type="button" className="btn btn-small" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

export function App() {
  const path = usePath();
  const route = matchRoute(path);
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [bootError, setBootError] = useState<string | null>(null);
  const [tasksVersion, setTasksVersion] = useState(0);
  const bumpTasks = useCallback(() => setTasksVersion((v) => v + 1), []);

  const loadUser = useCallback(async () => {
    try {
      setUser(await currentUser());
      setBootError(null);
    } catch (err) {
      setBootError(messageOf(err));
    }
  }, []);

  useEffect(() => {
    void loadUser();
  }, [loadUser]);

  // Any API call answering 401 means the session ended.
  useEffect(() => {
    const onUnauthorized = () => setUser(null);
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);

  // Guards: signed-out people go to the sign-in page, signed-in people away from it.
  useEffect(() => {
    if (user === undefined) return;
    if (route.name === 'root') navigate('/app', { replace: true });
    else if (!user && route.name !== 'login' && route.name !== 'signup') {
      const next = path.startsWith('/app') && path !== '/app' ? `?next=${encodeURIComponent(path)}` : '';
      navigate(`/app/login${next}`, { replace: true });
    } else if (user && (route.name === 'login' || route.name === 'signup')) {
      const next = new URLSearchParams(window.location.search).get('next');
      navigate(next && next.startsWith('/app/') ? next : '/app', { replace: true });
    }
  }, [user, route.name, path]);

  useEffect(() => {
    document.title = route.name === 'settings' ? 'Settings · TaskAgent' : route.name === 'chat' ? 'Chat · TaskAgent' : route.name === 'login' ? 'Sign in · TaskAgent' : route.name === 'signup' ? 'Sign up · TaskAgent' : 'TaskAgent';
  }, [route.name]);

  const signOut = async () => {
    try {
      await logout();
    } catch {
      /* the cookie is gone either way once we forget the user */
    }
    setUser(null);
    navigate('/app/login');
  };

  if (user === undefined) {
    return (
      <main className="boot">
        {bootError ? (
          <div role="alert" className="banner banner-error">
            {bootError}{' '}
            <button type="button" className="btn btn-small" onClick={() => void loadUser()}>
              Retry
            </button>
          </div>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </main>
    );
  }

  if (!user) {
    if (route.name === 'signup') return <AuthForm mode="signup" onSignedIn={setUser} />;
    return <AuthForm mode="login" onSignedIn={setUser} />;
  }

  const tz = user.timezone || 'UTC';
  let body;
  let inWorkspace = false;
  if (route.name === 'task') {
    body = <TaskPage key={route.id} taskId={route.id} tz={tz} />;
  } else if (route.name === 'settings') {
    body = (
      <Suspense fallback={<main className="page"><p className="muted">Loading…</p></main>}>
        <Settings tz={tz} onImported={bumpTasks} />
      </Suspense>
    );
  } else if (route.name === 'tasks' || route.name === 'chat' || route.name === 'root' || route.name === 'login' || route.name === 'signup') {
    const focus = route.name === 'chat' ? 'chat' : 'tasks';
    inWorkspace = true;
    body = (
      <main className="workspace" data-focus={focus}>
        <h1 className="visually-hidden">{focus === 'chat' ? 'Chat with your task assistant' : 'Your tasks'}</h1>
        <section className="pane pane-chat" aria-label="Chat with the assistant">
          <Chat threadId={route.name === 'chat' ? route.threadId : null} tz={tz} onTasksChanged={bumpTasks} />
        </section>
        <section className="pane pane-tasks" aria-label="Your tasks">
          <TaskList tz={tz} refreshKey={tasksVersion} userId={user.id} />
        </section>
      </main>
    );
  } else {
    body = (
      <main className="page">
        <h1>Not found</h1>
        <p>
          There is nothing at this address. <Link to="/app">Go to your tasks</Link>.
        </p>
      </main>
    );
  }

  return (
    <div className={inWorkspace ? 'shell shell-workspace' : 'shell'}>
      <Header user={user} onSignOut={() => void signOut()} onUserChange={setUser} usageKey={tasksVersion} />
      {body}
      <Shortcuts chatVisible={route.name === 'chat' || (inWorkspace && window.matchMedia?.('(min-width: 861px)').matches === true)} />
    </div>
  );
}
