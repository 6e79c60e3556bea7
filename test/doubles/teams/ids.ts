// Teams activity ids are millisecond timestamps as strings ("1728640934763", the streamId of the
// streaming docs). Ids here follow the double's clock and stay unique when many share a millisecond.

export class ActivityIds {
  #last = 0;

  next(now: number): string {
    this.#last = Math.max(this.#last + 1, Math.floor(now));
    return String(this.#last);
  }
}

let counter = 0;

/** A fresh id for inbound activities and test conversations ("<prefix><time><counter>"). */
export function freshId(prefix = ""): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36).padStart(4, "0")}`;
}
