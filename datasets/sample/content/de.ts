// German text for the sample (original writing; slots explained in types.ts).
import type { LangPack } from './types.ts';

export const DE: LangPack = {
  lang: 'de',
  vocab: {
    stadt: ['Lindenau', 'Bad Harzfeld', 'Ostermoor', 'Kleinwalden', 'Rheinbergen', 'Altenbrück', 'Sommerstedt', 'Hohenkirchen'],
    freund: ['Jonas', 'Lea', 'Moritz', 'Hannah', 'Felix', 'Marie', 'Lukas', 'Greta', 'Paul', 'Frieda'],
    tag: ['Montag', 'Dienstag', 'Mittwoch', 'Donnerstag', 'Freitag', 'Samstag', 'Sonntag'],
    monat: ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'September', 'Oktober', 'November'],
    strasse: ['Lindenstraße', 'am Marktplatz', 'in der Mühlgasse', 'am Hafen', 'in der Bahnhofstraße', 'am Schlossberg'],
    wetter: ['Nieselregen', 'eisigem Wind', 'drückender Hitze', 'dichtem Nebel', 'strahlendem Sonnenschein'],
    werkzeug: ['Akkuschrauber', 'Stechbeitel', 'Japansäge', 'Schleifklotz', 'Schraubzwingen'],
  },
  topics: [
    {
      id: 'wandern',
      titles: ['Rundwanderung von {stadt} zum Aussichtsturm', '{#3-6} Tage auf dem Höhenweg', 'Wandern im {monat}: eine Tour bei {wetter}', 'Warum ich wieder mit Karte und Kompass gehe'],
      headings: ['Anreise', 'Der Aufstieg', 'Auf dem Kamm', 'Abstieg und Einkehr'],
      paragraphs: [
        'Die Tour beginnt am Wanderparkplatz {strasse} in {@stadt}, der an schönen Wochenenden schon gegen {#8-10} Uhr voll ist. Wer mit dem Bus anreist, steigt an der Haltestelle am Friedhof aus und folgt der blauen Markierung durch den Buchenwald. Nach etwa {#30-60} Minuten öffnet sich der Blick zum ersten Mal über das Tal.',
        'Der Aufstieg zum Turm ist steil, aber gut befestigt, mit Holzstufen an den schwierigsten Stellen. Wir machten auf halber Höhe eine Pause an einer Schutzhütte, in der jemand ein Gästebuch ausgelegt hatte. Die ältesten Einträge stammten aus dem Jahr {#1987-2005}, und manche Wanderer hatten sogar kleine Zeichnungen hinterlassen.',
        'Oben auf dem Kamm wehte {wetter}, und wir zogen trotz der Jahreszeit Mütze und Handschuhe an. Der Weg verläuft hier fast eben über {#4-9} Kilometer an der Kante entlang, vorbei an verwitterten Grenzsteinen. {@freund} entdeckte einen Rotmilan, der minutenlang scheinbar bewegungslos über der Wiese stand.',
        'Für den Abstieg wählten wir den Pfad durch die Schlucht, der nach Regen rutschig sein kann. Stöcke sind hier eine echte Hilfe. Unten wartete die Gaststätte an der alten Mühle mit Kaffee und Pflaumenkuchen, und wir saßen noch eine gute Stunde in der Sonne, bevor der letzte Bus um {#17-19}:{#10-50} Uhr zurückfuhr.',
        'Insgesamt misst die Runde etwa {#14-22} Kilometer mit {#500-900} Höhenmetern. Trittsicherheit ist nötig, besondere Kletterkenntnisse nicht. Wasser gibt es unterwegs nur an einer Quelle, auf die man sich im Spätsommer nicht verlassen sollte, also lieber {#1-2} Liter mehr einpacken als nötig.',
        'Seit dem Funkloch auf der letzten Tour nehme ich wieder eine gedruckte Karte mit. Das Handy bleibt für Notfälle im Rucksack, und die Orientierung mit Kompass macht überraschend viel Spaß. {@freund} hat mir an einem {tag} im {monat} gezeigt, wie man eine Marschzahl nimmt, und seitdem verlaufe ich mich deutlich seltener.',
      ],
    },
    {
      id: 'heimwerken',
      titles: ['Ein Regal aus alten Dielen bauen', 'Die Werkstatt im Keller: {#5-10} Lehren aus dem ersten Jahr', 'Mit dem {werkzeug} richtig umgehen', 'Renovierung einer Altbauwohnung in {stadt}'],
      headings: ['Material', 'Planung', 'Umsetzung', 'Oberfläche'],
      paragraphs: [
        'Das Holz stammt aus einer Altbauwohnung {strasse}, deren Dielen bei der Renovierung herausgerissen wurden. Der Besitzer war froh, sie nicht entsorgen zu müssen, und so standen eines {tag}s {#6-12} lange Bretter in meinem Flur. Nach dem Hobeln kam eine warme, honigfarbene Maserung zum Vorschein.',
        'Bevor ich irgendetwas säge, zeichne ich das Möbelstück auf kariertem Papier im Maßstab eins zu zehn. Das kostet eine halbe Stunde und spart regelmäßig einen ganzen Nachmittag. Besonders bei Regalen lohnt es sich, die Bretter auf {#70-90} Zentimeter Spannweite zu begrenzen, damit sie sich unter schweren Büchern nicht durchbiegen.',
        'Die Verbindungen habe ich mit einer {werkzeug} und einem scharfen Stechbeitel gearbeitet, ganz ohne Maschinen. Die erste Nut war um {#1-3} Millimeter zu breit, also habe ich einen dünnen Span eingeleimt und neu angerissen. Man sieht die Stelle noch, wenn man genau hinschaut, aber sie gehört jetzt einfach dazu.',
        'Für die Oberfläche verwende ich Hartwachsöl, in {#2-3} dünnen Schichten mit einem Baumwolltuch aufgetragen. Es betont die Maserung, ohne zu glänzen, und Kratzer lassen sich später leicht ausbessern. Zwischen den Schichten muss das Öl etwa {#8-12} Stunden trocknen, im kalten Keller im {monat} eher länger.',
        'Die Werkstatt ist nur ein kleiner Kellerraum mit einem Fenster, aber eine stabile Werkbank und gutes Licht machen den Unterschied. Meine wichtigste Anschaffung im ersten Jahr war nicht ein teures Gerät, sondern ein Satz vernünftiger Schraubzwingen. {@freund} sagt immer, man könne nie genug davon haben, und er hat recht.',
        'Sicherheit beginnt mit Ordnung. Jedes Werkzeug hat seinen Platz an der Lochwand, Späne werden nach jeder Arbeitssitzung gefegt, und Gehörschutz liegt griffbereit neben der Säge. Nach {#2-4} Jahren Basteln habe ich mir nur einmal ernsthaft in den Finger geschnitten, und zwar an einem stumpfen Messer.',
      ],
    },
    {
      id: 'bahn',
      titles: ['Mit dem Regionalzug von {stadt} an die Küste', '{#3-7} Tage mit dem Deutschlandticket', 'Nebenbahnen, die man kennen sollte', 'Warum ich nicht mehr fliege'],
      headings: ['Planung', 'Unterwegs', 'Umstiege', 'Fazit'],
      paragraphs: [
        'Wir starteten an einem {tag} früh um {#5-7} Uhr in {@stadt}, mit zwei Rucksäcken, einer Thermoskanne und einem ausgedruckten Fahrplan. Der erste Regionalzug war fast leer, draußen zog {wetter} über die Felder, und im Abteil roch es nach frischem Kaffee aus der Bäckerei am Bahnhof.',
        'Die Umstiege waren knapp geplant, und gleich der zweite Anschluss ging verloren, weil unser Zug {#10-25} Minuten Verspätung hatte. Die Zugbegleiterin blieb gelassen, empfahl eine andere Verbindung über eine kleine Nebenstrecke, und so sahen wir ein Tal, das wir sonst nie entdeckt hätten.',
        'Nebenbahnen haben ihren eigenen Rhythmus. Der Triebwagen hält an Bahnhöfen, deren Gebäude längst Wohnhäuser sind, und der Lokführer grüßt die Leute am Bahnübergang. Auf der eingleisigen Strecke durch den Wald warteten wir {#5-15} Minuten auf den Gegenzug, ohne dass sich jemand beschwerte.',
        'Seit {#2-5} Jahren verzichte ich auf Inlandsflüge. Die Bahn braucht länger, das stimmt, aber die Zeit im Zug ist keine verlorene Zeit. Ich lese, schreibe, schaue aus dem Fenster und komme entspannter an als nach jedem Flug mit Sicherheitskontrolle und Gepäckband.',
        'An der Küste angekommen, holte uns {@freund} mit dem Fahrrad am Bahnhof ab. Der Wind roch nach Salz, die Möwen stritten sich um die Reste eines Fischbrötchens, und nach {#6-9} Stunden Fahrt fühlte sich der kurze Spaziergang zum Deich wie eine Belohnung an.',
        'Ein paar praktische Hinweise: Sitzplätze in Regionalzügen kann man nicht reservieren, an Wochenenden im {monat} sollte man also früh am Bahnsteig sein. Eine Offline-Karte auf dem Handy und etwas Proviant schaden nie, denn nicht jeder kleine Bahnhof hat noch einen Kiosk.',
      ],
    },
  ],
  comments: ['Danke für den ausführlichen Bericht!', 'Die Tour sind wir letztes Jahr auch gegangen, wirklich schön.', 'Sehr hilfreiche Tipps, vor allem zur Oberfläche.', 'Gibt es eine Karte zum Herunterladen?', 'Toll geschrieben, weiter so!'],
  commenters: ['Katrin M.', 'wanderfalke', 'Stefan', 'holzwurm77', 'Birgit'],
  authors: ['Anna Keller', 'Tobias Brandt', 'Sabine Vogt', 'Markus Lenz'],
  ui: {
    home: 'Startseite', nav: ['Touren', 'Ratgeber', 'Über uns', 'Kontakt'], search: 'Suche',
    cookie: 'Wir verwenden Cookies, um Ihnen ein besseres Nutzererlebnis zu bieten und unsere Website zu analysieren. Mit der weiteren Nutzung stimmen Sie dem zu.',
    accept: 'Alle akzeptieren', reject: 'Nur notwendige', share: 'Artikel teilen', related: 'Das könnte Sie auch interessieren', comments: 'Kommentare',
    leaveComment: 'Kommentar schreiben', newsletter: 'Neue Beiträge per E-Mail erhalten.', footer: 'Impressum · Datenschutz · Barrierefreiheit',
    rights: 'Alle Rechte vorbehalten.', by: 'Von', published: 'Veröffentlicht am', minutes: 'Min. Lesezeit', tags: 'Schlagwörter',
  },
};
