// Spanish text for the sample (original writing; slots explained in types.ts).
import type { LangPack } from './types.ts';

export const ES: LangPack = {
  lang: 'es',
  vocab: {
    ciudad: ['Villaserena', 'Puerto Almendro', 'San Lorién', 'Castrobajo', 'Valdemora', 'Santa Irene del Mar', 'Torrelinda', 'Arroyoviejo'],
    amigo: ['Lucía', 'Mateo', 'Carmen', 'Diego', 'Valentina', 'Hugo', 'Elena', 'Pablo', 'Sara', 'Álvaro'],
    dia: ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'],
    mes: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'septiembre', 'octubre', 'noviembre'],
    calle: ['la calle Mayor', 'la plaza del Carmen', 'el paseo del Río', 'la calle de los Herreros', 'la avenida de la Estación'],
    tiempo: ['una llovizna persistente', 'un viento de levante', 'un calor sofocante', 'una niebla espesa', 'un cielo despejado'],
    planta: ['tomateras', 'pimientos', 'calabacines', 'habas', 'lechugas', 'albahaca'],
  },
  topics: [
    {
      id: 'huerto',
      titles: ['Nuestro huerto urbano en {ciudad}', 'Cómo cultivar {planta} en el balcón', 'Lo que aprendí en {#2-6} temporadas de huerto', 'El riego por goteo, paso a paso'],
      headings: ['El terreno', 'Qué plantamos', 'Plagas', 'La cosecha'],
      paragraphs: [
        'El huerto comunitario de {@ciudad} ocupa un solar abandonado junto a {calle}, que los vecinos limpiaron durante {#3-8} fines de semana. Hoy hay {#20-45} parcelas pequeñas, una caseta para las herramientas y un compostero enorme que todos alimentamos con restos de cocina. Mi parcela está al fondo, al lado de la higuera.',
        'Este año plantamos {planta}, cebollas y una fila de girasoles que crecieron más altos que la valla. Las {planta} dieron mucho más de lo que esperábamos, y en {mes} teníamos que repartir bolsas entre los vecinos del edificio. {@amigo} preparó con el excedente una salsa que todavía guardamos en botes en la despensa.',
        'Las plagas llegaron con el calor. Primero los pulgones en las habas, después unos caracoles que aparecían cada noche de {tiempo}. En lugar de productos químicos probamos con agua jabonosa, trampas de cerveza y mucha paciencia, y aunque perdimos algunas plantas, el resto salió adelante sin problemas.',
        'El riego por goteo fue la mejor inversión. Con una manguera perforada, un programador sencillo y {#10-25} metros de tubo conseguimos regar toda la parcela en {#15-30} minutos cada mañana, gastando bastante menos agua que con la regadera. En verano, con temperaturas de más de {#35-42} grados, marcó la diferencia.',
        'Lo más valioso del huerto no son las verduras, sino la gente. Los {dia} por la tarde coincidimos casi siempre los mismos, compartimos semillas, consejos y a veces una merienda improvisada. Una vecina de {#70-88} años nos enseñó a guardar las semillas de tomate de un año para otro, como hacía su madre.',
        'Para la próxima temporada queremos rotar los cultivos, añadir un pequeño estanque para atraer ranas y construir un bancal elevado para las personas mayores del barrio. {@amigo} ya ha conseguido unos palés de madera en un almacén cercano, así que sólo falta encontrar un fin de semana sin {tiempo}.',
      ],
    },
    {
      id: 'viaje',
      titles: ['Un fin de semana en {ciudad}', 'En tren por la costa: {#3-6} días sin coche', 'Qué ver en {ciudad} si sólo tienes un día', 'Viajar en temporada baja'],
      headings: ['Cómo llegar', 'Dónde dormir', 'Qué comer', 'Consejos prácticos'],
      paragraphs: [
        'Llegamos a {@ciudad} un {dia} por la tarde, después de {#3-6} horas de tren regional con paradas en pueblos de nombres preciosos. La estación queda a un paseo del casco antiguo, así que dejamos las mochilas en la pensión y salimos enseguida a recorrer las callejuelas mientras el sol bajaba sobre los tejados.',
        'Nos alojamos en una casa de huéspedes llevada por una familia que lleva {#20-50} años en el negocio. Las habitaciones eran sencillas pero impecables, y el desayuno incluía pan recién hecho, aceite de oliva de la zona y una mermelada de naranja amarga que la dueña prepara cada {mes}.',
        'La comida merece el viaje por sí sola. En el mercado de {calle} probamos un guiso de garbanzos con espinacas, pescado frito en cucuruchos de papel y unos dulces de almendra que compramos por docenas para llevar. {@amigo} insistió en volver al mismo bar las tres noches, y tenía toda la razón.',
        'Viajar en temporada baja tiene ventajas evidentes: menos gente, precios más razonables y una relación más tranquila con los vecinos. A cambio hay que aceptar {tiempo}, algún museo cerrado y horarios de autobús reducidos. Para nosotros el balance es claramente positivo, sobre todo en ciudades pequeñas.',
        'El último día subimos al mirador que domina la bahía, un camino empinado de {#20-40} minutos entre pinos. Desde arriba se ven el puerto, las barcas de pesca y, en días claros, la silueta de las montañas al otro lado del agua. Nos quedamos sentados más de una hora sin decir casi nada.',
        'Algunos consejos prácticos: reservar el tren con {#2-5} semanas de antelación abarata mucho el billete, llevar calzado cómodo es imprescindible porque todo está en cuesta, y conviene preguntar siempre en la oficina de turismo por las fiestas locales, que cambian de fecha cada año y pueden llenar la ciudad.',
      ],
    },
    {
      id: 'cocina',
      titles: ['El guiso de los {dia}', 'Cocinar con lo que queda en la nevera', 'Las recetas de mi abuela en {ciudad}', 'Pan casero en {#3-6} pasos'],
      headings: ['Ingredientes', 'Preparación', 'Trucos', 'Cómo conservarlo'],
      paragraphs: [
        'En casa de mi abuela, en {@ciudad}, los {dia} siempre había guiso de lentejas. Lo preparaba por la mañana temprano en una olla de barro enorme, con chorizo, una hoja de laurel y mucha paciencia. Todavía hoy, cuando lo cocino, la cocina huele exactamente igual que aquella casa.',
        'La preparación no tiene secretos. Se sofríe una cebolla y un pimiento durante {#8-12} minutos, se añade ajo y pimentón, luego las lentejas, una zanahoria y agua fría. Todo cuece a fuego lento unos {#35-50} minutos, y al final se rectifica de sal. Sabe mejor al día siguiente.',
        'Cocinar con lo que queda en la nevera se ha convertido casi en un juego. Un poco de arroz del día anterior, dos huevos, medio calabacín y un resto de queso dan para una tortilla que nadie adivinaría improvisada. {@amigo} dice que mis mejores platos salen así, sin receta.',
        'El pan casero fue mi proyecto del invierno pasado. Harina, agua, sal y un poco de levadura, una noche de reposo en la nevera y un horno bien caliente a {#230-250} grados. Los primeros panes salieron planos como galletas, pero después de {#5-12} intentos el resultado ya merecía la pena.',
        'Mi abuela guardaba sus recetas en una libreta de tapas azules, escrita a lápiz y llena de manchas de aceite. No hay cantidades exactas, sólo indicaciones como un puñado o lo que admita. Mi madre y yo pasamos un {mes} entero intentando descifrarla y probando cada plato.',
        'Para conservar los guisos, lo mejor es dejarlos enfriar y guardarlos en táperes de cristal. Aguantan {#3-4} días en la nevera y varios meses en el congelador. Siempre preparo el doble de lo necesario, porque una ración congelada salva cualquier noche de {tiempo} sin ganas de cocinar.',
      ],
    },
  ],
  comments: ['¡Muchas gracias por compartirlo!', 'Estuvimos allí el verano pasado y nos encantó.', 'Muy útil, sobre todo lo del riego.', '¿Recomiendas alguna época del año en concreto?', 'Qué bien escrito, dan ganas de ir.'],
  commenters: ['Marta G.', 'javi_viajero', 'Nuria', 'Andrés P.', 'huertadelsur'],
  authors: ['Laura Ortega', 'Miguel Ferrer', 'Isabel Campos', 'Raúl Serrano'],
  ui: {
    home: 'Inicio', nav: ['Artículos', 'Guías', 'Quiénes somos', 'Contacto'], search: 'Buscar',
    cookie: 'Utilizamos cookies propias y de terceros para mejorar tu experiencia y analizar el tráfico. Si continúas navegando, aceptas su uso.',
    accept: 'Aceptar todo', reject: 'Rechazar', share: 'Compartir este artículo', related: 'Artículos relacionados', comments: 'Comentarios',
    leaveComment: 'Deja un comentario', newsletter: 'Recibe las novedades por correo electrónico.', footer: 'Aviso legal · Privacidad · Mapa del sitio',
    rights: 'Todos los derechos reservados.', by: 'Por', published: 'Publicado el', minutes: 'min de lectura', tags: 'Etiquetas',
  },
};
