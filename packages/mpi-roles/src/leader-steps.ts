import {
  decodeFrame,
  encodeFrame,
  isErrorFrame,
  FRAME_VERSION,
  type EntryFrame,
  type ErrorPayload,
} from './frames.js';
import type { Communicator } from './communicator.js';
import type { CollectiveOrigin, CollectiveSteps, Role } from './protocol.js';
import type { Plan } from './strategies/types.js';
import type { Topology } from './topology.js';

export const ORIGINS: CollectiveOrigin[] = ['disk', 'built', 'received', 'shared'];

/** What a group's leader reports of one call at the end of a round. */
export interface GroupReport {
  origin: number;
  receivedBytes: number;
  role: Role;
  /** This group's failure. */
  error?: ErrorPayload;
}

/** A leader's part in one call of a round: its build runs at once, its transfers when their turn comes. */
export class LeaderCall {
  #origin: CollectiveOrigin = 'disk';
  #role: Role = 'leader';
  #error: unknown;
  #failure: ErrorPayload | undefined;
  #receivedBytes = 0;
  #building: Promise<void> = Promise.resolve();
  #ready: Promise<void> = Promise.resolve();
  #shipped: EntryFrame | undefined;

  constructor(
    private readonly topology: Topology,
    private readonly plan: Plan,
    private readonly steps: CollectiveSteps,
  ) {
    // A builder sends what it built as soon as the build hands it over (or, failing that, once
    // the build is done, from its directory); its own publish goes on meanwhile.
    if (plan.builders.includes(topology.group)) {
      this.#role = 'builder';
      this.#origin = 'built';
      let handedOver = (): void => undefined;
      this.#ready = new Promise<void>((resolve) => (handedOver = resolve));
      this.#building = steps
        .build((frame) => {
          this.#shipped = frame;
          handedOver();
        })
        .then(
          (obtained) => {
            this.#origin = obtained;
          },
          (cause: unknown) => this.#fail(cause),
        )
        .finally(handedOver);
    }
  }

  /** This call's error on this rank, when its group failed here. */
  get error(): unknown {
    return this.#error;
  }

  #fail(cause: unknown, payload?: ErrorPayload): void {
    if (this.#failure) return;
    this.#error = cause;
    this.#failure = payload ?? this.steps.serializeError(cause);
  }

  /** The plan's broadcasts, in plan order, over the leaders' communicator of this call's topology. */
  async transfers(leadersComm: Communicator): Promise<void> {
    const group = this.topology.group;
    for (const transfer of this.plan.transfers) {
      let payload: Buffer | null = null;
      if (transfer.from === group) {
        if (this.#role === 'leader') this.#role = 'sender';
        payload = await this.#payload();
      }
      const bytes = await leadersComm.bcast(payload, transfer.from);
      if (!transfer.to.includes(group)) continue;
      this.#role = 'receiver';
      this.#origin = 'received';
      this.#receivedBytes += bytes.length;
      try {
        const frame = decodeFrame(bytes, `group ${transfer.from} (${this.topology.hosts[transfer.from]})`);
        if (isErrorFrame(frame)) this.#fail(this.steps.reviveError(frame.error), frame.error);
        else await this.steps.publish(frame);
      } catch (cause) {
        this.#fail(cause);
      }
    }
  }

  // Handed over, failed, or built without handing over (then it is read back from disk).
  async #payload(): Promise<Buffer> {
    await this.#ready;
    if (this.#failure) return encodeFrame({ v: FRAME_VERSION, error: this.#failure });
    if (this.#shipped) return encodeFrame(this.#shipped);
    try {
      return encodeFrame(await this.steps.readEntry());
    } catch (cause) {
      this.#fail(cause);
      return encodeFrame({ v: FRAME_VERSION, error: this.#failure! });
    }
  }

  /** The group's report, once its build (if any) has ended. */
  async report(): Promise<GroupReport> {
    await this.#building;
    const report: GroupReport = {
      origin: ORIGINS.indexOf(this.#origin),
      receivedBytes: this.#receivedBytes,
      role: this.#role,
    };
    if (this.#failure) report.error = this.#failure;
    return report;
  }
}
