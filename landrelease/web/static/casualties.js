// People killed and injured, in words, without a zero stated as a toll — the map's copy of
// landrelease.reports.sections.casualties (tests/web/test_casualty_words.py holds them equal):
//   casualtyWords(1, 0) "1 person killed"      casualtyWords(2, 1) "2 people killed and 1 injured"
//   casualtyWords(0, 3) "3 people injured"     casualtyWords(0, 0) "no one killed or injured"
const count = (n) => n.toLocaleString("en");
const people = (n) => count(n) + (n === 1 ? " person" : " people");

export function casualtyWords(killed, injured) {
  const k = Number(killed || 0);
  const i = Number(injured || 0);
  if (k && i) { return people(k) + " killed and " + count(i) + " injured"; }
  if (k) { return people(k) + " killed"; }
  if (i) { return people(i) + " injured"; }
  return "no one killed or injured";
}
