import type { Types } from 'mongoose';

/** A document id, for domain code that must not import the driver (see biome.json's storage rule). */
export type Id = Types.ObjectId;
