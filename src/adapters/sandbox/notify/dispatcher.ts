import { randomUUID } from 'node:crypto';
import type { Signer } from '../protocol/sign';
import type { SandboxTime } from '../time';
import { notificationBody, notificationHeaders } from './envelope';

/**
 * Notification delivery (reference §7.3, §7.4): POST to notify_url, signed like a response and with
 * an AEAD-encrypted resource, retried on the official schedule until a 200 or 204. Faults switched on
 * through the control API duplicate, reorder, delay or drop deliveries, or send a probe signature.
 */

/** Waits before each retry, in business seconds: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h. */
export const RETRY_SCHEDULE_SECONDS = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
] as const;

export interface NotificationFaults {
  /** Deliver every acknowledged notification a second time. */
  duplicate: boolean;
  /** Hold deliveries in pairs and send each pair newest first. */
  reorder: boolean;
  /** Business milliseconds added before the first attempt. */
  delayMs: number;
  /** Never send: the notification is lost, as can happen in production. */
  drop: boolean;
  /** Sign the first attempt with a `WECHATPAY/SIGNTEST/` probe; retries are signed properly. */
  probeSignature: boolean;
  /**
   * Deliver to this origin (`http://127.0.0.1:3000`) instead of the notify_url's, keeping its path:
   * clients insist on an https notify_url (§7.3) while a local receiver usually speaks http.
   */
  origin: string | null;
  /**
   * AEAD associated data of the encrypted resource. WeChat's refund-notification example sends ""
   * (the default); any other text (e.g. "refund") checks that a client uses what the envelope says.
   */
  associatedData: string;
}

export const deliveryUrl = (notifyUrl: string, origin: string | null): string => {
  if (origin === null) return notifyUrl;
  const target = new URL(notifyUrl);
  return `${origin.replace(/\/+$/, '')}${target.pathname}${target.search}`;
};

export interface Attempt {
  readonly at: number;
  readonly signature: 'valid' | 'probe';
  readonly status?: number;
  readonly error?: string;
}

export interface Delivery {
  readonly id: string;
  readonly eventType: string;
  readonly url: string;
  readonly body: string;
  readonly subject: Readonly<Record<string, string>>;
  state: 'held' | 'pending' | 'delivered' | 'dropped' | 'abandoned';
  nextAt: number;
  retries: number;
  readonly attempts: Attempt[];
  isProbeDue: boolean;
  isDuplicateDue: boolean;
}

export interface NotificationRequest {
  readonly url: string;
  readonly eventType: string;
  readonly summary: string;
  readonly originalType: 'refund' | 'transaction';
  readonly resource: Readonly<Record<string, unknown>>;
  /** Ids shown in the delivery log (refund id, out_refund_no…). */
  readonly subject: Readonly<Record<string, string>>;
  /** Business time of the event, however late the tick that noticed it. */
  readonly at: number;
}

export interface Dispatcher {
  readonly enqueue: (request: NotificationRequest) => Delivery;
  readonly tick: () => void;
  readonly flushHeld: () => void;
  readonly deliveries: () => readonly Delivery[];
  readonly faults: NotificationFaults;
  /** Resolves when no delivery is being sent. */
  readonly idle: () => Promise<void>;
  readonly close: () => void;
}

export interface DispatcherDeps {
  readonly time: SandboxTime;
  readonly apiV3Key: () => Buffer;
  readonly signer: () => Signer;
  readonly requestTimeoutMs: number;
  readonly origin?: string;
  /** Initial `faults.associatedData`; default "". */
  readonly associatedData?: string;
}

export const createDispatcher = (deps: DispatcherDeps): Dispatcher => {
  const all: Delivery[] = [];
  const faults: NotificationFaults = {
    duplicate: false,
    reorder: false,
    delayMs: 0,
    drop: false,
    probeSignature: false,
    origin: deps.origin ?? null,
    associatedData: deps.associatedData ?? '',
  };
  let queue: Promise<void> = Promise.resolve();
  const inFlight = new Set<string>();
  const controller = new AbortController();

  const send = async (delivery: Delivery): Promise<void> => {
    const signature = delivery.isProbeDue ? 'probe' : 'valid';
    delivery.isProbeDue = false;
    const headers = notificationHeaders(
      deps.signer(),
      Math.floor(deps.time.wallNow() / 1000),
      delivery.body,
      signature,
    );
    const at = deps.time.now();
    let attempt: Attempt;
    try {
      const response = await fetch(deliveryUrl(delivery.url, faults.origin), {
        method: 'POST',
        headers: { ...headers },
        body: delivery.body,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(deps.requestTimeoutMs)]),
      });
      await response.arrayBuffer();
      attempt = { at, signature, status: response.status };
    } catch (e: unknown) {
      attempt = { at, signature, error: e instanceof Error ? e.message : String(e) };
    }
    delivery.attempts.push(attempt);
    const isAcknowledged = attempt.status === 200 || attempt.status === 204;
    if (isAcknowledged && delivery.isDuplicateDue) {
      delivery.isDuplicateDue = false;
      delivery.nextAt = deps.time.now();
      return;
    }
    if (isAcknowledged) {
      delivery.state = 'delivered';
      return;
    }
    const wait = RETRY_SCHEDULE_SECONDS[delivery.retries];
    if (wait === undefined) {
      delivery.state = 'abandoned';
      return;
    }
    delivery.retries += 1;
    // The schedule counts from the start of the failed attempt, however long the receiver took.
    delivery.nextAt = at + wait * 1000;
  };

  const release = (held: readonly Delivery[]): void => {
    const now = deps.time.now();
    // Newest first: all are due now, and the newest sorts earliest; sends go out one at a time.
    [...held].reverse().forEach((d, index) => {
      d.state = 'pending';
      d.nextAt = now - (held.length - 1 - index);
    });
  };

  return {
    faults,
    enqueue: (request) => {
      const id = randomUUID();
      const delivery: Delivery = {
        id,
        eventType: request.eventType,
        url: request.url,
        body: notificationBody(deps.apiV3Key(), {
          id,
          eventType: request.eventType,
          summary: request.summary,
          originalType: request.originalType,
          resource: request.resource,
          at: request.at,
          associatedData: faults.associatedData,
        }),
        subject: request.subject,
        state: faults.drop ? 'dropped' : faults.reorder ? 'held' : 'pending',
        nextAt: request.at + faults.delayMs,
        retries: 0,
        attempts: [],
        isProbeDue: faults.probeSignature,
        isDuplicateDue: faults.duplicate,
      };
      all.push(delivery);
      const held = all.filter((d) => d.state === 'held');
      if (held.length >= 2) release(held);
      return delivery;
    },
    tick: () => {
      const now = deps.time.now();
      const due = all
        .filter((d) => d.state === 'pending' && d.nextAt <= now && !inFlight.has(d.id))
        .sort((a, b) => a.nextAt - b.nextAt);
      for (const delivery of due) {
        inFlight.add(delivery.id);
        queue = queue.then(() => send(delivery)).finally(() => inFlight.delete(delivery.id));
      }
    },
    flushHeld: () => release(all.filter((d) => d.state === 'held')),
    deliveries: () => all,
    idle: () => queue,
    close: () => controller.abort(),
  };
};
