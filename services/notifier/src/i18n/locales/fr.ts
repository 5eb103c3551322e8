import type { Catalog } from '../messages.ts';

// French typography: a no-break space (\u00a0) before ? ! : and inside « ».
export const fr: Catalog = {
  'unit.kb': '{value}\u00a0Ko',
  'unit.mb': '{value}\u00a0Mo',
  'unit.gb': '{value}\u00a0Go',
  'unit.per-second': '{size}/s',
  'unit.seconds': '{seconds}\u00a0s',
  'unit.minutes': '{minutes}\u00a0min {seconds}\u00a0s',
  'unit.hours': '{hours}\u00a0h {minutes}\u00a0min',

  'quality.1080p': '1080p',
  'quality.720p': '720p',
  'quality.360p': '360p',
  'quality.audio-mp3': 'Audio MP3',
  'quality.ask': 'Me demander à chaque fois',
  'quality.best-video': 'Meilleure vidéo',

  'start.greeting': '👋 Salut, {name}\u00a0!',
  'start.greeting-anonymous': '👋 Salut\u00a0!',
  'start.intro':
    'Je télécharge des vidéos et de la musique à partir de liens et je te les envoie ici même.\n\nEnvoie-moi simplement un lien — YouTube, TikTok, Instagram, Vimeo, SoundCloud et bien d’autres — puis choisis une qualité.',
  'start.account':
    '<b>Ton compte</b>\nLangue\u00a0: {language}\nQualité par défaut\u00a0: {quality}\nFichiers reçus\u00a0: {files}',
  'start.more':
    'Tape /help pour le guide complet, ou /settings pour changer de langue et de qualité par défaut.',

  'help.text':
    '<b>Comment ça marche</b>\n' +
    '1. Envoie-moi le lien d’une vidéo ou d’un morceau.\n' +
    '2. Je regarde ce qu’il contient et je te propose les qualités disponibles, avec leur taille. Choisis-en une — ou fixe une qualité par défaut dans /settings pour sauter cette étape.\n' +
    '3. Je le télécharge, je le rends lisible dans Telegram et je t’envoie le fichier. Le message affiche ma progression au fur et à mesure.\n\n' +
    '<b>Commandes</b>\n' +
    '/settings — langue et qualité par défaut\n' +
    '/status — où en est ta dernière demande\u00a0; /status &lt;id&gt; pour une demande précise\n' +
    '/cancel — arrêter un téléchargement en cours\n' +
    '/stats — ce que tu as téléchargé jusqu’ici\n' +
    '/help — ce guide\n\n' +
    '<b>Limites</b>\n' +
    '• Telegram permet aux bots d’envoyer des fichiers jusqu’à {uploadLimit}. Pour les fichiers plus lourds, je t’envoie plutôt un lien de téléchargement, valable un temps limité.\n' +
    '• Les vidéos privées et tout ce qui demande une connexion me sont inaccessibles.\n' +
    '• Quelques liens par message au maximum, s’il te plaît.\n\n' +
    '<b>Sites pris en charge</b>\n' +
    'YouTube, TikTok, Instagram, Vimeo, X (Twitter), Reddit, Facebook, SoundCloud, Bandcamp, les clips Twitch, Dailymotion et plus d’un millier d’autres. Si un site n’est pas pris en charge, je te le dirai.',

  'settings.text':
    '⚙️ <b>Réglages</b>\n\nLangue\u00a0: {language}\nQualité par défaut\u00a0: {quality}\n\nChoisis une langue, ou la qualité que je dois prendre pour toi. Avec «\u00a0{ask}\u00a0», je te propose les options à chaque lien.',
  'settings.saved-language': '✅ C’est noté\u00a0: on continue en {language}.',
  'settings.saved-quality': '✅ C’est noté\u00a0: qualité par défaut {quality}.',

  'rejected.no_link': 'Envoie-moi le lien d’une vidéo ou d’un morceau et je m’en occupe. 🔗',
  'rejected.invalid_url':
    'Ça ne ressemble pas à un lien que je peux ouvrir. Vérifie-le et renvoie-le.',
  'rejected.scheme_not_allowed':
    'Je ne peux ouvrir que les liens qui commencent par http:// ou https://.',
  'rejected.url_too_long':
    'Ce lien est trop long pour moi. Essaie une version plus courte — souvent, tu peux enlever tout ce qui suit le «\u00a0?\u00a0».',
  'rejected.blocked_address':
    'Je ne peux pas ouvrir de liens vers des adresses privées ou du réseau local.',
  'rejected.too_many_links':
    'Ça fait beaucoup de liens d’un coup\u00a0! J’ai pris les premiers — envoie les autres dans un autre message.',
  'rejected.rate_limited': {
    one: 'Tu envoies des liens plus vite que je ne peux suivre. Réessaie dans {count} seconde.',
    many: 'Tu envoies des liens plus vite que je ne peux suivre. Réessaie dans {count} de secondes.',
    other: 'Tu envoies des liens plus vite que je ne peux suivre. Réessaie dans {count} secondes.',
  },
  'rejected.rate_limited-soon':
    'Tu envoies des liens plus vite que je ne peux suivre. Réessaie dans une minute.',
  'rejected.unknown_command':
    'Je ne connais pas cette commande. Tape /help pour voir ce que je sais faire.',

  'request.untitled': 'Ton lien',
  'status.looking': '🔎 Je regarde ton lien…',
  'status.duration': '⏱ {duration}',
  'status.uploader': '👤 {uploader}',
  'status.choose': 'Choisis une qualité\u00a0:',
  'status.preparing': '⏳ Je prépare la version {quality}…',
  'status.queued': '⏳ En file d’attente · {quality}',
  'status.joined':
    '⏳ Quelqu’un a demandé ce fichier juste avant toi — tu l’auras dès qu’il sera prêt.',
  'status.cached': '⚡ Je l’ai déjà — je te l’envoie tout de suite…',
  'status.downloading': '⬇️ Téléchargement…',
  'status.converting': '⚙️ Conversion pour Telegram…',
  'status.uploading': '📤 Envoi…',
  'status.eta': 'encore {eta}',
  'status.large-file':
    '📦 Ce fichier fait {size}, plus que ce que Telegram autorise pour les bots ({limit}). Je te prépare un lien de téléchargement…',
  'status.refetching':
    '⏳ Telegram n’a plus ce fichier, alors je le récupère à nouveau. Ça prend un petit moment…',
  'status.delivered': '✅ Envoyé\u00a0! Bon visionnage.',
  'status.delivered-link': '✅ C’est prêt — ton lien de téléchargement est juste en dessous.',
  'status.cancelled': '🚫 Annulé.',
  'status.failed.unsupported_site':
    '😕 Je ne sais pas télécharger depuis ce site. Essaie un lien d’un autre site — /help liste ceux que je connais.',
  'status.failed.private_or_login_required':
    '🔒 Ce contenu est privé ou demande une connexion, je ne peux donc pas le récupérer. Essaie un lien public.',
  'status.failed.removed': '🗑 Ce contenu a été supprimé, ou il n’existe plus.',
  'status.failed.geo_blocked':
    '🌍 Ce contenu n’est pas disponible dans le pays où se trouvent mes serveurs. Essaie un autre lien.',
  'status.failed.too_large':
    '📦 Ce fichier est trop lourd pour moi. Essaie une qualité plus basse, ou juste l’audio.',
  'status.failed.site_unreachable':
    '📡 Je n’ai pas réussi à joindre le site. Il est peut-être en panne — réessaie dans quelques minutes.',
  'status.failed.timed_out':
    '⌛ C’était trop long, alors j’ai arrêté. Réessaie plus tard, ou choisis une qualité plus basse.',
  'status.failed.blocked_address':
    '⛔ Ce lien mène à une adresse que je n’ai pas le droit d’ouvrir.',
  'status.failed.internal':
    '⚠️ Quelque chose s’est mal passé de mon côté. Réessaie dans un petit moment, s’il te plaît.',
  'status.reference': '🆔 <code>{id}</code>',

  'button.option': '{quality} · {size}',
  'button.cancel': '✖️ Annuler',
  'button.cancel-title': '✖️ {title}',

  'status-command.none':
    'Tu ne m’as encore envoyé aucun lien. Envoie-m’en un et je me mets au travail\u00a0!',
  'status-command.not-found':
    'Je ne trouve pas «\u00a0{id}\u00a0» parmi tes demandes. Tape /status pour voir la dernière.',

  'cancel.nothing': 'Il n’y a rien à annuler pour le moment.',
  'cancel.confirm': 'Arrêter ce téléchargement\u00a0?\n<b>{title}</b>',
  'cancel.choose': 'Quel téléchargement dois-je arrêter\u00a0?',

  'stats.title': '📊 <b>Tes statistiques</b>',
  'stats.files': {
    one: '📁 {count} fichier reçu',
    many: '📁 {count} de fichiers reçus',
    other: '📁 {count} fichiers reçus',
  },
  'stats.requests': {
    one: '🔗 {count} lien envoyé',
    many: '🔗 {count} de liens envoyés',
    other: '🔗 {count} liens envoyés',
  },
  'stats.active': {
    one: '⏳ {count} en cours',
    many: '⏳ {count} en cours',
    other: '⏳ {count} en cours',
  },
  'stats.failed': {
    one: '⚠️ {count} n’a pas pu être téléchargé',
    many: '⚠️ {count} de liens n’ont pas pu être téléchargés',
    other: '⚠️ {count} n’ont pas pu être téléchargés',
  },
  'stats.since': 'Avec moi depuis le {date}',
  'stats.empty': 'Rien pour l’instant — envoie-moi un lien pour commencer\u00a0!',

  'link.ready':
    '📦 <b>{title}</b> ({size}) est trop lourd pour être envoyé sur Telegram, alors voici un lien\u00a0:\n<a href="{url}">Télécharger le fichier</a>\n\nLe lien expire {expires}.',
};
