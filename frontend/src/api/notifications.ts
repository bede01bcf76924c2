// Reminders that came due: GET /notifications, POST /notifications/{id}/read, POST /notifications/read.
import { apiFetch, apiJson } from './http';
import type { AppNotification, NotificationList } from './types';

export function listNotifications(signal?: AbortSignal): Promise<NotificationList> {
  return apiJson<NotificationList>('/notifications?limit=20', { signal });
}

export function markNotificationRead(id: number): Promise<AppNotification> {
  return apiJson<AppNotification>(`/notifications/${id}/read`, { method: 'POST' });
}

export async function markAllNotificationsRead(): Promise<void> {
  await apiFetch('/notifications/read', { method: 'POST' });
}
