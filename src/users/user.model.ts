import { model, Schema, type Types } from 'mongoose';

export type ProductRole = 'learner' | 'instructor' | 'admin';

/** A person's own settings. */
export interface UserPreferences {
  /** Email me staff replies that arrive while I am away from the chat (learner follow-up). Default on. */
  followUpEmail: boolean;
}

/** A person as their LMS last described them, unique per tenant and LTI subject. */
export interface User {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  /** The LTI `sub` claim: stable per platform, never shown. */
  subject: string;
  issuer: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  picture?: string;
  /** The role of the most recent launch (a person may be a learner in one course and instructor in another). */
  lastRole: ProductRole;
  locale?: string;
  lastLaunchAt: Date;
  /** Choices the person made in the product (absent until they make one). */
  preferences?: UserPreferences;
  createdAt: Date;
  updatedAt: Date;
}

const userSchema = new Schema<User>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    subject: { type: String, required: true },
    issuer: { type: String, required: true },
    name: String,
    givenName: String,
    familyName: String,
    email: String,
    picture: String,
    lastRole: { type: String, enum: ['learner', 'instructor', 'admin'], required: true },
    locale: String,
    lastLaunchAt: { type: Date, required: true },
    preferences: {
      followUpEmail: { type: Boolean, default: true },
    },
  },
  { collection: 'users', timestamps: true, versionKey: false },
);
userSchema.index({ tenantId: 1, issuer: 1, subject: 1 }, { unique: true });

export const UserModel = model<User>('User', userSchema);
