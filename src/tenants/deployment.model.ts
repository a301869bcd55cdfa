import { model, Schema, type Types } from 'mongoose';

/**
 * One LTI deployment the tool accepts launches from, and the tenant it belongs to. Keyed by
 * (issuer, client id, deployment id) because Blackboard gives every institution the same issuer and
 * client id and tells them apart only by deployment id.
 */
export interface Deployment {
  _id: Types.ObjectId;
  issuer: string;
  clientId: string;
  deploymentId: string;
  tenantId: Types.ObjectId;
  createdAt: Date;
}

const deploymentSchema = new Schema<Deployment>(
  {
    issuer: { type: String, required: true },
    clientId: { type: String, required: true },
    deploymentId: { type: String, required: true },
    tenantId: { type: Schema.Types.ObjectId, required: true, index: true },
  },
  { collection: 'lti_deployments', timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
deploymentSchema.index({ issuer: 1, clientId: 1, deploymentId: 1 }, { unique: true });

export const DeploymentModel = model<Deployment>('Deployment', deploymentSchema);
