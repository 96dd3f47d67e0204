/** Parses user agents (ua-parser-js) and flags bots (isbot), caching repeated agents. */
import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';

export interface UserAgentInfo {
  deviceClass: 'desktop' | 'mobile' | 'tablet' | 'tv' | 'console' | 'wearable' | 'bot' | 'unknown';
  browser: string | null;
  os: string | null;
  isBot: boolean;
}

const UNKNOWN: UserAgentInfo = { deviceClass: 'unknown', browser: null, os: null, isBot: false };

export class UserAgentClassifier {
  private readonly cache = new Map<string, UserAgentInfo>();

  constructor(private readonly maxEntries = 10_000) {}

  classify(userAgent: string | undefined): UserAgentInfo {
    if (userAgent === undefined || userAgent === '') return UNKNOWN;
    const cached = this.cache.get(userAgent);
    if (cached) return cached;
    const info = this.parse(userAgent);
    // Map keeps insertion order: dropping the first key evicts the oldest entry.
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(userAgent, info);
    return info;
  }

  private parse(userAgent: string): UserAgentInfo {
    const result = new UAParser(userAgent).getResult();
    const bot = isbot(userAgent);
    const type = result.device.type;
    const deviceClass: UserAgentInfo['deviceClass'] = bot
      ? 'bot'
      : type === undefined
        ? result.os.name || result.browser.name
          ? 'desktop'
          : 'unknown'
        : type === 'mobile' || type === 'tablet' || type === 'console' || type === 'wearable'
          ? type
          : type === 'smarttv'
            ? 'tv'
            : 'unknown';
    return { deviceClass, browser: result.browser.name ?? null, os: result.os.name ?? null, isBot: bot };
  }
}
