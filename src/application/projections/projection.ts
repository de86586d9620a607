import * as E from 'fp-ts/Either';
import { Order, Refund, streamCategory } from '../../domain';
import { ReconciliationEventCodec, type ReconciliationEvent } from '../../domain/reconciliation';
import type { Document, DocumentChange, RecordedEvent } from '../../ports';
import { decodeEvent } from '../aggregate';

/**
 * A projection turns one stored event into document changes. It is pure: everything it needs is
 * in the event, or in the current document its change receives. The runner commits the changes and
 * the checkpoint together, which is what makes a redelivered event change nothing.
 */
export interface Projection {
  readonly name: string;
  /** Bumped when the documents' shape changes: the read model is then rebuilt from the log. */
  readonly version: number;
  readonly collections: readonly string[];
  readonly project: (event: RecordedEvent) => readonly DocumentChange[];
}

/** A projection's changes for the events beyond its checkpoint, in log order. */
export const changesAfter = (
  projection: Projection,
  checkpoint: number | undefined,
  events: readonly RecordedEvent[],
): DocumentChange[] =>
  events.flatMap((event) =>
    checkpoint === undefined || event.position > checkpoint ? projection.project(event) : [],
  );

export type DomainEventOf =
  | { readonly category: 'order'; readonly event: Order.OrderEvent }
  | { readonly category: 'refund'; readonly event: Refund.RefundEvent }
  | { readonly category: 'reconciliation'; readonly event: ReconciliationEvent };

/**
 * Decodes a stored event by its stream's category; other categories are not ours to project
 * (undefined). A stored event that no longer decodes is corruption, not an expected failure: the
 * read model would silently drift, so it is thrown and stops the projection.
 */
export const decodeRecorded = (stored: RecordedEvent): DomainEventOf | undefined => {
  // Every projection decodes each delivered event: the first does the work for all of them.
  if (decodedOnce.has(stored)) return decodedOnce.get(stored);
  const decoded = decodeByCategory(stored);
  decodedOnce.set(stored, decoded);
  return decoded;
};
const decodedOnce = new WeakMap<RecordedEvent, DomainEventOf | undefined>();

const decodeByCategory = (stored: RecordedEvent): DomainEventOf | undefined => {
  const category = streamCategory(stored.streamId);
  const orThrow = <A>(decoded: E.Either<{ readonly message: string }, A>): A => {
    if (E.isLeft(decoded)) {
      throw new Error(
        `stored event ${stored.streamId}@${stored.revision} (${stored.type}) does not decode: ${decoded.left.message}`,
      );
    }
    return decoded.right;
  };
  switch (category) {
    case 'order':
      return { category, event: orThrow(decodeEvent(Order.OrderEventCodec, stored)) };
    case 'refund':
      return { category, event: orThrow(decodeEvent(Refund.RefundEventCodec, stored)) };
    case 'reconciliation':
      return { category, event: orThrow(decodeEvent(ReconciliationEventCodec, stored)) };
    default:
      return undefined;
  }
};

/** `order-{subMchid}:{number}` → its two parts (`:` occurs in neither, ids.ts). */
export const streamParts = (streamId: string): { readonly subMchid: string; readonly number: string } => {
  const rest = streamId.slice(streamId.indexOf('-') + 1);
  const colon = rest.indexOf(':');
  return { subMchid: rest.slice(0, colon), number: rest.slice(colon + 1) };
};

/** Read models are our own JSON, written only by these projections: a shape check would be redundant. */
export const asDoc = <D>(document: Document | undefined): D | undefined => document as D | undefined;

/** One change to one document, typed on both sides. */
export const change = <D extends Document>(
  collection: string,
  key: string,
  update: (current: D | undefined) => D | undefined,
): DocumentChange => ({ collection, key, update: (current) => update(asDoc<D>(current)) });
