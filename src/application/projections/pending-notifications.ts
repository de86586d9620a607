import * as E from 'fp-ts/Either';
import { Notification, streamCategory } from '../../domain';
import type { RecordedEvent } from '../../ports';
import { decodeEvent } from '../aggregate';
import { type Projection, change } from './projection';

export const PENDING_NOTIFICATIONS = 'pending_notifications';

/**
 * Notifications recorded but not yet applied to their order or refund (no NotificationApplied or
 * NotificationUnmatched yet): the intake applies them again at start, so a process killed between
 * recording (and acknowledging) a notification and applying it loses nothing.
 */
export type PendingNotificationDoc = {
  readonly streamId: string;
  readonly notificationId: string;
};

export const pendingNotificationsProjection: Projection = {
  name: PENDING_NOTIFICATIONS,
  version: 1,
  collections: [PENDING_NOTIFICATIONS],
  project: (stored: RecordedEvent) => {
    if (streamCategory(stored.streamId) !== 'notification') return [];
    const decoded = decodeEvent(Notification.NotificationEventCodec, stored);
    if (E.isLeft(decoded)) {
      throw new Error(`stored event ${stored.streamId}@${stored.revision} (${stored.type}) does not decode`);
    }
    const e = decoded.right;
    const { streamId } = stored;
    switch (e.type) {
      case 'NotificationReceived':
      case 'NotificationUndecodable':
        return [
          change<PendingNotificationDoc>(PENDING_NOTIFICATIONS, streamId, () => ({
            streamId,
            notificationId: e.data.notificationId,
          })),
        ];
      case 'NotificationApplied':
      case 'NotificationUnmatched':
        return [change<PendingNotificationDoc>(PENDING_NOTIFICATIONS, streamId, () => undefined)];
      case 'NotificationConflicted':
        return [];
    }
  },
};
