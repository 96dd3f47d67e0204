/** CloudFormation custom resource lifecycle events, as the provider hands them to a handler. */
import type { CdkCustomResourceEvent } from 'aws-lambda';

export type CustomResourceRequestType = 'Create' | 'Update' | 'Delete';

export interface CustomResourceIdentity {
  readonly logicalResourceId: string;
  readonly resourceType: string;
  /** Sent with Update and Delete, as CloudFormation does once the resource exists. */
  readonly physicalResourceId: string;
}

/** An event builder for one resource; Update carries the same properties as the old ones. */
export function customResourceEvents(
  resource: CustomResourceIdentity,
): (type: CustomResourceRequestType, properties: Record<string, unknown>) => CdkCustomResourceEvent {
  return (type, properties) => {
    const base = {
      ServiceToken: 'token',
      ResponseURL: 'https://example.invalid',
      StackId: 'stack',
      RequestId: 'request',
      LogicalResourceId: resource.logicalResourceId,
      ResourceType: resource.resourceType,
      ResourceProperties: { ServiceToken: 'token', ...properties },
    };
    if (type === 'Create') return { ...base, RequestType: 'Create' };
    if (type === 'Update')
      return {
        ...base,
        RequestType: 'Update',
        PhysicalResourceId: resource.physicalResourceId,
        OldResourceProperties: base.ResourceProperties,
      };
    return { ...base, RequestType: 'Delete', PhysicalResourceId: resource.physicalResourceId };
  };
}
