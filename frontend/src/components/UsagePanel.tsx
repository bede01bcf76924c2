// This month's agent use against the plan's limits: a line in the header, the details on demand.
import { useEffect, useState } from 'react';
import { getUsage } from '../api/tasks';
import type { Usage } from '../api/types';
import { formatDateTime } from '../lib/dates';

const number = new Intl.NumberFormat();

function of(used: number, limit: number | null): string {
  return limit == null ? number.format(used) : `${number.format(used)} of ${number.format(limit)}`;
}

export function UsagePanel({ tz, refreshKey = 0 }: { tz: string; refreshKey?: number }) {
  const [usage, setUsage] = useState<Usage | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    getUsage(ctrl.signal)
      .then(setUsage)
      .catch(() => {
        /* the panel is a courtesy: without it the page works the same */
      });
    return () => ctrl.abort();
  }, [refreshKey]);

  if (!usage) return null;
  const tokens = usage.input_tokens + usage.output_tokens;
  const { runs: runLimit, tokens: tokenLimit } = usage.limits;
  const reached = (runLimit != null && usage.runs >= runLimit) || (tokenLimit != null && tokens >= tokenLimit);
  return (
    <details className={reached ? 'usage-panel usage-reached' : 'usage-panel'}>
      <summary title="Your agent use this month">
        {of(usage.runs, runLimit)} agent runs{reached ? ' (limit reached)' : ''}
      </summary>
      <div className="usage-details small">
        <p>
          Plan <strong>{usage.plan}</strong>, month {usage.period}; resets {formatDateTime(usage.resets_at, tz)}.
        </p>
        <dl>
          <dt>Agent runs</dt>
          <dd>{runLimit == null ? `${number.format(usage.runs)} (no limit)` : of(usage.runs, runLimit)}</dd>
          <dt>Tokens</dt>
          <dd>
            {tokenLimit == null ? `${number.format(tokens)} (no limit)` : of(tokens, tokenLimit)} ({number.format(usage.input_tokens)} in, {number.format(usage.output_tokens)} out)
          </dd>
          <dt>Model calls</dt>
          <dd>{number.format(usage.model_calls)}</dd>
        </dl>
        {usage.by_model.length > 1 && (
          <ul className="plain-list">
            {usage.by_model.map((m) => (
              <li key={m.model}>
                {m.model}: {number.format(m.model_calls)} calls, {number.format(m.input_tokens + m.output_tokens)} tokens
              </li>
            ))}
          </ul>
        )}
      </div>
    </details>
  );
}
