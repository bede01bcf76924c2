import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { UsagePanel } from './UsagePanel';
import { json, mockFetch } from '../test/helpers';

const usage = {
  period: '2026-12',
  plan: 'default',
  runs: 3,
  model_calls: 7,
  input_tokens: 1200,
  output_tokens: 340,
  limits: { runs: 100, tokens: null },
  resets_at: '2027-01-01T00:00:00Z',
  by_model: [{ model: 'local', model_calls: 7, input_tokens: 1200, output_tokens: 340 }],
};

describe('UsagePanel', () => {
  it("shows this month's runs against the plan, and the details on demand", async () => {
    const { calls } = mockFetch(() => json(usage));
    render(<UsagePanel tz="UTC" />);
    const summary = await screen.findByText('3 of 100 agent runs');
    fireEvent.click(summary);
    expect(screen.getByText('default')).toBeTruthy();
    expect(screen.getByText(/month 2026-12; resets/).textContent).toContain('2027');
    expect(screen.getByText(/1,540 \(no limit\)/).textContent).toContain('1,200 in, 340 out');
    expect(screen.getByText('7')).toBeTruthy();
    expect(calls.map((c) => c.url)).toEqual(['/users/me/usage']);
  });

  it('marks a reached limit, and reloads when asked', async () => {
    let n = 0;
    mockFetch(() => {
      n++;
      return json(n === 1 ? usage : { ...usage, plan: 'pro', runs: 5, limits: { runs: 5, tokens: 2000 }, by_model: [...usage.by_model, { model: 'openai:gpt-4.1', model_calls: 2, input_tokens: 10, output_tokens: 5 }] });
    });
    const { rerender, container } = render(<UsagePanel tz="UTC" refreshKey={0} />);
    await screen.findByText('3 of 100 agent runs');
    rerender(<UsagePanel tz="UTC" refreshKey={1} />);
    expect(await screen.findByText('5 of 5 agent runs (limit reached)')).toBeTruthy();
    expect(container.querySelector('.usage-reached')).not.toBeNull();
    expect(screen.getByText(/1,540 of 2,000/)).toBeTruthy();
    expect(screen.getByText('openai:gpt-4.1: 2 calls, 15 tokens')).toBeTruthy();
  });

  it('stays out of the way when usage cannot be read', async () => {
    mockFetch(() => json({ detail: 'Not authenticated' }, { status: 401 }));
    const { container } = render(<UsagePanel tz="UTC" />);
    await new Promise((r) => setTimeout(r, 10));
    expect(container.textContent).toBe('');
  });
});
