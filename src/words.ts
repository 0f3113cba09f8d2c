/** A name as a sentence or a title starts with it: `actor` → `Actor`, `an actor's history` → `An actor's history`. */
export const capitalized = (text: string) => text.replace(/^./, (first) => first.toUpperCase())
