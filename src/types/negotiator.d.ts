// negotiator ships no types; @types/negotiator describes 0.6. Only what representation.ts uses.
declare module "negotiator" {
  export default class Negotiator {
    constructor(request: { headers: { accept?: string } });
    mediaType(available?: string[]): string | undefined;
  }
}
