import type { SpMchid } from '../../../src/domain';
import type { Logger, NotificationVerifier, WeChatPayGateway } from '../../../src/ports';
import { createPaymentCore, type EmbedOptions } from '../../../src/main/embed';
import { createMemoryEventStore } from '../../../src/adapters/memory/event-store';

/** A gateway and verifier that are never called: these tests only build the core. */
const unused = {} as WeChatPayGateway & NotificationVerifier;

const recordingLogger = () => {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => void warnings.push(message),
    error: () => undefined,
    child: () => logger,
  };
  return { logger, warnings };
};

/** What a caller without types can pass: no store at all. */
const withoutStore = (logger: Logger, production: boolean): EmbedOptions =>
  ({
    config: { spMchid: '1900000100' as SpMchid },
    ports: { gateway: unused, verifier: unused, logger },
    production,
  }) as unknown as EmbedOptions;

describe('createPaymentCore: the store is never a silent default', () => {
  it('refuses to build a core without a store in production, and says why', () => {
    const { logger, warnings } = recordingLogger();
    expect(() => createPaymentCore(withoutStore(logger, true))).toThrow(
      /ports\.store is required in production/,
    );
    expect(warnings).toEqual([]);
  });

  it('outside production, builds one on memory and warns loudly that payments will be lost', () => {
    const { logger, warnings } = recordingLogger();
    const core = createPaymentCore(withoutStore(logger, false));
    expect(typeof core.api.createPayment).toBe('function');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /NO EVENT STORE GIVEN.*LOST when this process exits.*refused when NODE_ENV=production/,
    );
  });

  it('takes production from NODE_ENV when not told', () => {
    const before = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'production';
    try {
      const options = withoutStore(recordingLogger().logger, false) as { production?: boolean };
      delete options.production;
      expect(() => createPaymentCore(options as EmbedOptions)).toThrow(/required in production/);
    } finally {
      if (before === undefined) delete process.env['NODE_ENV'];
      else process.env['NODE_ENV'] = before;
    }
  });

  it('builds a core on a store chosen explicitly, even in-memory in production, without a warning', () => {
    const { logger, warnings } = recordingLogger();
    const core = createPaymentCore({
      config: { spMchid: '1900000100' as SpMchid },
      ports: { gateway: unused, verifier: unused, store: createMemoryEventStore(), logger },
      production: true,
    });
    expect(typeof core.start).toBe('function');
    expect(warnings).toEqual([]);
  });
});
