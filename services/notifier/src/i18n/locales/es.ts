import type { Catalog } from '../messages.ts';

export const es: Catalog = {
  'unit.kb': '{value} KB',
  'unit.mb': '{value} MB',
  'unit.gb': '{value} GB',
  'unit.per-second': '{size}/s',
  'unit.seconds': '{seconds} s',
  'unit.minutes': '{minutes} min {seconds} s',
  'unit.hours': '{hours} h {minutes} min',

  'quality.1080p': '1080p',
  'quality.720p': '720p',
  'quality.360p': '360p',
  'quality.audio-mp3': 'Audio MP3',
  'quality.ask': 'Preguntarme cada vez',
  'quality.best-video': 'Mejor vídeo',

  'start.greeting': '👋 ¡Hola, {name}!',
  'start.greeting-anonymous': '👋 ¡Hola!',
  'start.intro':
    'Descargo vídeos y música a partir de enlaces y te los envío aquí mismo.\n\nSolo mándame un enlace — de YouTube, TikTok, Instagram, Vimeo, SoundCloud y muchos más — y elige una calidad.',
  'start.account':
    '<b>Tu cuenta</b>\nIdioma: {language}\nCalidad predeterminada: {quality}\nArchivos recibidos: {files}',
  'start.more':
    'Escribe /help para ver la guía completa, o /settings para cambiar el idioma y la calidad predeterminada.',

  'help.text':
    '<b>Cómo funciona</b>\n' +
    '1. Mándame el enlace de un vídeo o una canción.\n' +
    '2. Miro qué hay y te muestro las calidades disponibles, cada una con su tamaño. Toca una — o elige una calidad predeterminada en /settings y sáltate este paso.\n' +
    '3. Lo descargo, lo preparo para que se reproduzca bien en Telegram y te envío el archivo. El mensaje muestra mi progreso sobre la marcha.\n\n' +
    '<b>Comandos</b>\n' +
    '/settings — idioma y calidad predeterminada\n' +
    '/status — cómo va tu última solicitud; /status &lt;id&gt; para una en concreto\n' +
    '/cancel — detener una descarga en curso\n' +
    '/stats — lo que has descargado hasta ahora\n' +
    '/help — esta guía\n\n' +
    '<b>Límites</b>\n' +
    '• Telegram permite a los bots subir archivos de hasta {uploadLimit}. Para archivos más grandes te envío un enlace de descarga, que funciona durante un tiempo limitado.\n' +
    '• Los vídeos privados y todo lo que requiera iniciar sesión quedan fuera de mi alcance.\n' +
    '• Como mucho, unos pocos enlaces por mensaje.\n\n' +
    '<b>Sitios compatibles</b>\n' +
    'YouTube, TikTok, Instagram, Vimeo, X (Twitter), Reddit, Facebook, SoundCloud, Bandcamp, clips de Twitch, Dailymotion y más de mil más. Si un sitio no es compatible, te lo diré.',

  'settings.text':
    '⚙️ <b>Ajustes</b>\n\nIdioma: {language}\nCalidad predeterminada: {quality}\n\nToca un idioma, o la calidad que debo elegir por ti. Con «{ask}» te muestro las opciones para cada enlace.',
  'settings.saved-language': '✅ Guardado: te hablaré en {language}.',
  'settings.saved-quality': '✅ Guardado: la calidad predeterminada ahora es {quality}.',

  'rejected.no_link': 'Mándame el enlace de un vídeo o una canción y te lo consigo. 🔗',
  'rejected.invalid_url': 'Eso no parece un enlace que pueda abrir. Revísalo y vuelve a enviarlo.',
  'rejected.scheme_not_allowed': 'Solo puedo abrir enlaces que empiecen por http:// o https://.',
  'rejected.url_too_long':
    'Ese enlace es demasiado largo para mí. Prueba con uno más corto — a menudo puedes quitar todo lo que va después del «?».',
  'rejected.blocked_address': 'No puedo abrir enlaces a direcciones privadas o de la red local.',
  'rejected.too_many_links':
    '¡Son muchos enlaces a la vez! He tomado los primeros; envíame los demás en otro mensaje.',
  'rejected.rate_limited': {
    one: 'Me estás enviando enlaces más rápido de lo que puedo seguir. Vuelve a intentarlo en {count} segundo.',
    many: 'Me estás enviando enlaces más rápido de lo que puedo seguir. Vuelve a intentarlo en {count} de segundos.',
    other:
      'Me estás enviando enlaces más rápido de lo que puedo seguir. Vuelve a intentarlo en {count} segundos.',
  },
  'rejected.rate_limited-soon':
    'Me estás enviando enlaces más rápido de lo que puedo seguir. Vuelve a intentarlo en un minuto.',
  'rejected.unknown_command': 'No conozco ese comando. Escribe /help para ver lo que sé hacer.',

  'request.untitled': 'Tu enlace',
  'status.looking': '🔎 Mirando tu enlace…',
  'status.duration': '⏱ {duration}',
  'status.uploader': '👤 {uploader}',
  'status.choose': 'Elige una calidad:',
  'status.preparing': '⏳ Preparando {quality}…',
  'status.queued': '⏳ En cola · {quality}',
  'status.joined':
    '⏳ Alguien pidió este archivo justo antes que tú: lo tendrás en cuanto esté listo.',
  'status.cached': '⚡ Ya lo tengo, te lo envío ahora mismo…',
  'status.downloading': '⬇️ Descargando…',
  'status.converting': '⚙️ Convirtiendo para Telegram…',
  'status.uploading': '📤 Subiendo…',
  'status.eta': 'quedan {eta}',
  'status.large-file':
    '📦 Este archivo pesa {size}, más de lo que Telegram permite subir a los bots ({limit}). Te estoy preparando un enlace de descarga…',
  'status.refetching':
    '⏳ Telegram ya no tiene este archivo, así que lo estoy descargando otra vez. Tardará un momento…',
  'status.delivered': '✅ ¡Enviado! Que lo disfrutes.',
  'status.delivered-link': '✅ Listo: tu enlace de descarga está aquí abajo.',
  'status.cancelled': '🚫 Cancelado.',
  'status.failed.unsupported_site':
    '😕 No puedo descargar de este sitio. Prueba con un enlace de otro; en /help tienes los que conozco.',
  'status.failed.private_or_login_required':
    '🔒 Es privado o requiere iniciar sesión, así que no puedo conseguirlo. Prueba con un enlace público.',
  'status.failed.removed': '🗑 Esto se ha eliminado o ya no existe.',
  'status.failed.geo_blocked':
    '🌍 No está disponible en el país donde están mis servidores. Prueba con otro enlace.',
  'status.failed.too_large':
    '📦 Este archivo es demasiado grande para mí. Prueba una calidad más baja o solo el audio.',
  'status.failed.site_unreachable':
    '📡 No he podido conectar con el sitio. Puede que esté caído: vuelve a intentarlo en unos minutos.',
  'status.failed.timed_out':
    '⌛ Tardaba demasiado, así que lo he detenido. Inténtalo más tarde o elige una calidad más baja.',
  'status.failed.blocked_address':
    '⛔ Ese enlace lleva a una dirección que no tengo permitido abrir.',
  'status.failed.internal':
    '⚠️ Algo ha fallado por mi parte. Vuelve a intentarlo dentro de un rato, por favor.',
  'status.reference': '🆔 <code>{id}</code>',

  'button.option': '{quality} · {size}',
  'button.cancel': '✖️ Cancelar',
  'button.cancel-title': '✖️ {title}',

  'status-command.none': 'Todavía no me has enviado ningún enlace. ¡Mándame uno y me pongo a ello!',
  'status-command.not-found':
    'No encuentro «{id}» entre tus solicitudes. Escribe /status para ver la última.',

  'cancel.nothing': 'No hay nada que cancelar ahora mismo.',
  'cancel.confirm': '¿Detener esta descarga?\n<b>{title}</b>',
  'cancel.choose': '¿Qué descarga quieres que detenga?',

  'stats.title': '📊 <b>Tus estadísticas</b>',
  'stats.files': {
    one: '📁 {count} archivo recibido',
    many: '📁 {count} de archivos recibidos',
    other: '📁 {count} archivos recibidos',
  },
  'stats.requests': {
    one: '🔗 {count} enlace enviado',
    many: '🔗 {count} de enlaces enviados',
    other: '🔗 {count} enlaces enviados',
  },
  'stats.active': {
    one: '⏳ {count} en curso',
    many: '⏳ {count} en curso',
    other: '⏳ {count} en curso',
  },
  'stats.failed': {
    one: '⚠️ {count} no se pudo descargar',
    many: '⚠️ {count} de enlaces no se pudieron descargar',
    other: '⚠️ {count} no se pudieron descargar',
  },
  'stats.since': 'Conmigo desde el {date}',
  'stats.empty': 'Aún no hay nada: ¡mándame un enlace para empezar!',

  'link.ready':
    '📦 <b>{title}</b> ({size}) es demasiado grande para subirlo a Telegram, así que aquí tienes un enlace:\n<a href="{url}">Descargar el archivo</a>\n\nEl enlace caduca {expires}.',
};
