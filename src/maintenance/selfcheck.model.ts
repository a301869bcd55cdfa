import { model, Schema } from 'mongoose';

/** One run of the selfcheck job: proof that some worker process consumed the queue. */
export interface Selfcheck {
  checkId: string;
  workerPid: number;
  hostname: string;
  ranAt: Date;
}

const selfcheckSchema = new Schema<Selfcheck>(
  {
    checkId: { type: String, required: true, unique: true },
    workerPid: { type: Number, required: true },
    hostname: { type: String, required: true },
    ranAt: { type: Date, required: true, index: true },
  },
  { collection: 'selfchecks', versionKey: false },
);

export const SelfcheckModel = model<Selfcheck>('Selfcheck', selfcheckSchema);
