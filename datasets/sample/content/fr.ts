// French text for the sample (original writing; slots explained in types.ts).
import type { LangPack } from './types.ts';

export const FR: LangPack = {
  lang: 'fr',
  vocab: {
    ville: ['Valbrune', 'Saint-Orlan', 'Montferrier-sur-Lise', 'Port-Aubel', 'Castelnaud-des-Prés', 'Lormes-la-Vieille', 'Bréhal-Plage', 'Varennes-d’Aubin'],
    ami: ['Camille', 'Léon', 'Margaux', 'Yanis', 'Élodie', 'Bastien', 'Inès', 'Théo', 'Chloé', 'Mathis'],
    jour: ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'],
    mois: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'septembre', 'octobre', 'novembre'],
    rue: ['rue des Tanneurs', 'place du Marché', 'quai de la Loire', 'rue Haute', 'impasse des Lilas', 'avenue de la Gare'],
    temps: ['une petite pluie fine', 'un vent du nord glacial', 'une chaleur écrasante', 'un brouillard épais', 'un ciel parfaitement dégagé'],
    legume: ['poireaux', 'courges', 'tomates anciennes', 'blettes', 'haricots verts', 'radis'],
  },
  topics: [
    {
      id: 'cuisine',
      titles: ['Le marché de {ville} un {jour} matin', 'Une soupe de {legume} pour les soirs de {mois}', 'Cuisiner simple avec {#4-9} ingrédients', 'Ce que ma grand-mère savait des {legume}'],
      headings: ['Au marché', 'La recette', 'Les variantes', 'Conserver'],
      paragraphs: [
        'Le marché de {@ville} s’installe chaque {jour} sur la {rue} dès {#6-7} heures du matin. On y trouve une vingtaine de producteurs, quelques fromagers et un boulanger qui vend son pain au poids. J’y vais presque toujours avec {@ami}, qui connaît tout le monde et négocie les {legume} avec une patience admirable.',
        'La recette tient en quelques lignes. Faire revenir un oignon dans un filet d’huile d’olive pendant {#5-10} minutes, ajouter les {legume} coupés en morceaux, couvrir d’eau ou de bouillon et laisser mijoter à feu doux. Au bout de {#25-40} minutes, on mixe, on goûte, on rectifie le sel. C’est tout, et c’est pourtant le plat que l’on me redemande le plus.',
        'Ma grand-mère ne pesait jamais rien. Elle jugeait une pâte au toucher et une sauce à l’odeur, et ses carnets de recettes ne contiennent que des listes d’ingrédients sans aucune quantité. J’ai passé {#2-5} hivers à essayer de retrouver le goût de sa tarte aux pommes, et je crois que le secret tenait surtout au beurre salé de la ferme voisine.',
        'En {mois}, quand les étals débordent, je prépare des bocaux pour l’hiver. Une journée entière y passe, la cuisine embaume le vinaigre et les herbes, et les étagères de la cave se remplissent d’une {#20-45} de pots étiquetés à la main. Ouvrir l’un d’eux par {temps} en plein hiver reste un petit bonheur.',
        'Cuisiner pour {#6-12} personnes sans se ruiner demande surtout de l’organisation. Je prépare la veille un grand plat mijoté, qui gagne toujours à reposer, et je garde le jour même pour une salade et un dessert simple. Les invités de {@ami} sont repartis avec les restes dans des boîtes, ce qui est à mes yeux le meilleur compliment.',
        'Les produits de saison coûtent moins cher et ont plus de goût, c’est une évidence que l’on oublie facilement au supermarché. Depuis {#2-6} ans, nous achetons l’essentiel de nos légumes à un maraîcher installé à {#5-15} kilomètres de chez nous, et nos menus suivent désormais le rythme de son jardin plutôt que l’inverse.',
      ],
    },
    {
      id: 'velo',
      titles: ['À vélo le long du canal de {ville}', 'Mon premier voyage à vélo en {mois}', '{#3-7} jours sur les petites routes', 'Réparer soi-même son vélo : par où commencer'],
      headings: ['L’itinéraire', 'Le matériel', 'Les étapes', 'Bilan'],
      paragraphs: [
        'Nous sommes partis de {@ville} un {jour} matin, sacoches chargées et pneus gonflés à bloc. Le chemin de halage suit le canal sur près de {#40-90} kilomètres, presque sans dénivelé, au milieu des platanes et des écluses fleuries. Les éclusiers nous saluaient au passage, et l’un d’eux nous a même offert un café.',
        'Le matériel tenait dans deux sacoches arrière et une sacoche de guidon. Une tente légère, deux duvets, un réchaud, de quoi réparer une crevaison et quelques vêtements de pluie. Nous avons tout pesé avant le départ : {#12-20} kilos en tout, ce qui paraissait raisonnable jusqu’à la première côte.',
        'La troisième étape fut la plus difficile, avec {temps} du matin au soir et une montée de {#4-9} kilomètres avant le village où nous devions dormir. {@ami} a fini à pied en poussant son vélo, en chantant pour se donner du courage. Le gîte nous attendait avec une soupe chaude et des draps secs.',
        'Apprendre à réparer son vélo soi-même n’a rien de compliqué. Une pompe, des démonte-pneus, une clé multifonction et une rustine suffisent pour la plupart des pannes. L’atelier associatif de la {rue} propose des séances le {jour} soir, où des bénévoles montrent comment régler des freins ou changer une chaîne en {#15-30} minutes.',
        'Au total, nous avons parcouru {#250-480} kilomètres en {#5-8} jours, dormi trois nuits sous la tente et deux chez l’habitant. Le budget est resté modeste, bien en dessous de celui d’un séjour à l’hôtel. Surtout, nous sommes rentrés avec l’envie de repartir, ce qui n’est pas toujours le cas après des vacances.',
        'Rouler en ville demande un peu d’assurance. Je prends ma place sur la chaussée, j’indique clairement mes changements de direction et je me méfie des portières qui s’ouvrent. Depuis que {@ville} a créé des pistes cyclables séparées, le nombre de cyclistes a doublé en {#2-4} ans, et les automobilistes semblent s’y être habitués.',
      ],
    },
    {
      id: 'lecture',
      titles: ['Notre club de lecture fête ses {#2-9} ans', 'Ce que j’ai lu en {mois}', 'La bibliothèque de {ville} fait peau neuve', 'Lire davantage sans se forcer'],
      headings: ['Le club', 'Nos lectures', 'La bibliothèque', 'Quelques conseils'],
      paragraphs: [
        'Le club de lecture se réunit le premier {jour} de chaque mois dans l’arrière-salle d’un café de la {rue}, à {@ville}. Nous sommes une douzaine, de {#19-30} à {#70-84} ans, et la seule règle est d’avoir ouvert le livre, même sans l’avoir terminé. Les discussions durent rarement moins de deux heures.',
        'En {mois}, j’ai lu {#3-6} romans, dont un polar nordique emprunté à {@ami} et un vieux classique retrouvé dans une boîte à livres. Je note désormais chaque lecture dans un petit carnet, avec une phrase qui m’a marqué. Relire ces notes un an plus tard est un plaisir que je n’avais pas prévu.',
        'La bibliothèque municipale a rouvert après {#8-18} mois de travaux. Les rayonnages ont été abaissés pour laisser entrer la lumière, une salle entière est réservée aux enfants et l’on peut enfin s’asseoir près des fenêtres. Le {jour} après-midi, les bibliothécaires organisent des lectures à voix haute qui affichent souvent complet.',
        'Pour lire davantage, j’ai surtout appris à lire autrement. Un livre reste toujours dans mon sac, le téléphone dort dans une autre pièce le soir, et j’abandonne sans remords un roman qui ne me plaît pas après {#40-80} pages. Résultat : {#15-30} livres l’an dernier, contre à peine cinq auparavant.',
        'Chaque année, le club choisit un livre à lire à voix haute pendant une soirée entière, chacun prenant quelques pages à son tour. L’an dernier, nous avons tenu jusqu’à minuit passé, avec {temps} dehors et une théière qui se vidait à vue d’œil. {@ami} avait apporté une tarte aux poires qui a disparu en quelques minutes.',
        'Les boîtes à livres se sont multipliées dans le quartier, installées dans d’anciennes cabines téléphoniques ou fixées aux grilles des jardins. On y dépose un livre, on en prend un autre, sans inscription ni date de retour. J’en visite {#2-4} sur le chemin du marché, et j’y trouve régulièrement des trésors inattendus.',
      ],
    },
  ],
  comments: ['Merci pour cet article, très utile !', 'J’ai essayé la recette hier soir, un vrai succès.', 'Superbe itinéraire, on le fera cet été.', 'Très bien écrit, on s’y croirait.', 'Avez-vous des conseils pour les débutants ?'],
  commenters: ['Sophie L.', 'marc_b', 'Jeanne', 'Paul D.', 'cyclo33'],
  authors: ['Claire Dumont', 'Antoine Mercier', 'Hélène Roussel', 'Julien Garnier'],
  ui: {
    home: 'Accueil', nav: ['Articles', 'Recettes', 'À propos', 'Contact'], search: 'Rechercher',
    cookie: 'Ce site utilise des cookies pour améliorer votre expérience et mesurer l’audience. En poursuivant votre navigation, vous acceptez leur utilisation.',
    accept: 'Tout accepter', reject: 'Refuser', share: 'Partager cet article', related: 'Articles similaires', comments: 'Commentaires',
    leaveComment: 'Laisser un commentaire', newsletter: 'Recevez nos nouveaux articles par e-mail.', footer: 'Mentions légales · Confidentialité · Plan du site',
    rights: 'Tous droits réservés.', by: 'Par', published: 'Publié le', minutes: 'min de lecture', tags: 'Étiquettes',
  },
};
