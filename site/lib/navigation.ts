/** The header's links. `isCurrent` decides aria-current="page". */
export interface NavItem {
  label: string;
  href: string;
  isCurrent(path: string): boolean;
}

export const navItems: NavItem[] = [
  { label: 'Lessons', href: '/lessons/', isCurrent: (path) => path === '/lessons' || path.startsWith('/lessons/') },
  { label: 'Course map', href: '/course-map/', isCurrent: (path) => path === '/course-map' || path === '/course-map/' },
  { label: 'Tool playground', href: '/playground/', isCurrent: (path) => path === '/playground' || path === '/playground/' },
  { label: 'Run the flow', href: '/lab', isCurrent: (path) => path === '/lab' || path === '/lab/' },
  { label: 'Connect a client', href: '/#connect', isCurrent: () => false },
  { label: 'Server metadata', href: '/metadata', isCurrent: (path) => path === '/metadata' },
];
