import { model, Schema, type Types } from 'mongoose';

/** A course (LTI context) as its LMS last described it, unique per tenant and context id. */
export interface Course {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  issuer: string;
  /** The LTI context id. */
  contextId: string;
  title?: string;
  label?: string;
  /** Where the platform's Names and Role Provisioning service lists this course's members. */
  membershipsUrl?: string;
  lastLaunchAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

const courseSchema = new Schema<Course>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    issuer: { type: String, required: true },
    contextId: { type: String, required: true },
    title: String,
    label: String,
    membershipsUrl: String,
    lastLaunchAt: { type: Date, required: true },
  },
  { collection: 'courses', timestamps: true, versionKey: false },
);
courseSchema.index({ tenantId: 1, issuer: 1, contextId: 1 }, { unique: true });

export const CourseModel = model<Course>('Course', courseSchema);
