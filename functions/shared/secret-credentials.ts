/** The username and password of a database secret in Secrets Manager (RDS secret JSON). */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from '../../src/config/env.js';

const credentialsSchema = z.object({ username: z.string(), password: z.string() });
export type Credentials = z.infer<typeof credentialsSchema>;

export async function secretCredentials(secrets: SecretsManagerClient, secretArn: string): Promise<Credentials> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const parsed = credentialsSchema.safeParse(SecretString ? JSON.parse(SecretString) : undefined);
  if (!parsed.success) throw new ConfigError(`secret ${secretArn} has no username and password`);
  return parsed.data;
}
