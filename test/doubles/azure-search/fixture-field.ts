// A field of an index definition as the service returns it: every attribute present, off unless set.
export function fixtureField(name: string, type: string, attributes: Record<string, unknown>) {
  return {
    name,
    type,
    searchable: false,
    filterable: false,
    retrievable: true,
    stored: true,
    sortable: false,
    facetable: false,
    key: false,
    ...attributes,
    synonymMaps: [],
  };
}
