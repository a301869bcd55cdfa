import { threadCommand } from './context.js';
import { ownerTransition } from './owner-transition.js';
import type { OwnerInput } from './types.js';

/** The owner closes the thread, optionally with a resolution category; its open key is freed. */
export const resolve = threadCommand((ctx, input: OwnerInput & { resolution?: string }) => {
  const resolution = input.resolution?.trim().slice(0, 60) || undefined;
  return ownerTransition(
    ctx,
    { ...input, note: undefined },
    {
      action: 'resolve',
      event: 'conversation.resolved',
      change: (before) => ({
        set: {
          openKey: `closed:${before._id}`,
          resolvedAt: ctx.now(),
          ...(resolution ? { resolution } : {}),
        },
      }),
      payload: () => ({ resolution }),
      line: 'resolved',
    },
  );
});
