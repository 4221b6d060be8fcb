/** Every item of a paged list: `list` is called with the cursor of the page before until there is none. */
export async function allPages<T>(list: (query: Record<string, string>) => Promise<{ data: T[]; hasMore: boolean; nextCursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  do {
    const page = await list(after ? { after } : {});
    items.push(...page.data);
    after = page.hasMore && page.nextCursor ? page.nextCursor : undefined;
  } while (after);
  return items;
}
