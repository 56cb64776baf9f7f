/**
 * The categories an app's event mapping may give an event name: a fixed list, so that
 * queries by category mean the same in every tenant. `Login` is special: a login event
 * names the app logged into (`targetApp`), which the push dialect requires.
 */
export const CATEGORIES = [
  'Login',
  'Logout',
  'Create',
  'Read',
  'Update',
  'Delete',
  'Upload',
  'Download',
  'Share',
  'Message',
  'Call',
  'Meeting',
  'Search',
  'Admin',
  'Other',
] as const;

export type Category = (typeof CATEGORIES)[number];

export const isCategory = (s: string): s is Category => (CATEGORIES as readonly string[]).includes(s);
