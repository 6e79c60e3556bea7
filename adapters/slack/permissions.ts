// Who may change settings. Anyone may view. In a DM the person controls that DM's settings; in a
// channel only workspace admins and owners, or users listed in SLACK_SETTINGS_ADMINS, change the
// channel's settings and the workspace defaults.
import type { SlackApi } from "./api.js";

/** users.info answers are cached this long: roles change rarely, and the lookup has a rate tier. */
const ROLE_CACHE_MS = 5 * 60_000;

interface UserInfo {
  user?: { is_admin?: boolean; is_owner?: boolean; is_primary_owner?: boolean };
}

export class SlackPermissions {
  private readonly admins: Set<string>;
  private readonly cache = new Map<string, { isAdmin: boolean; until: number }>();
  private readonly now: () => number;

  constructor(settingsAdmins: string[], now: () => number = Date.now) {
    this.admins = new Set(settingsAdmins);
    this.now = now;
  }

  async forUser(
    api: SlackApi,
    userId: string,
    isDm: boolean,
  ): Promise<{ conversation: boolean; workspace: boolean }> {
    const admin = await this.isAdmin(api, userId);
    return { conversation: isDm || admin, workspace: admin };
  }

  private async isAdmin(api: SlackApi, userId: string): Promise<boolean> {
    if (this.admins.has(userId)) return true;
    const key = `${api.teamId}:${userId}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.isAdmin;
    const info = await api.call<UserInfo>("users.info", { user: userId });
    const isAdmin = Boolean(info.user?.is_admin || info.user?.is_owner || info.user?.is_primary_owner);
    this.cache.set(key, { isAdmin, until: this.now() + ROLE_CACHE_MS });
    return isAdmin;
  }
}
