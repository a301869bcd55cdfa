/**
 * The words learners, instructors and admins use about an LMS, grouped by meaning, in English and
 * Spanish. Help articles are written in the platform's vocabulary ("enroll", "prohibit", "course
 * team") while people ask in their own ("sign up", "stop", "teacher"); a question using one word of a
 * group also searches for the others, at a lower weight than its own words (see query-expansion.service.ts).
 *
 * Written from general help-desk knowledge of learning platforms, not from any particular question
 * set. Keep groups about one meaning each: a word with two meanings in this domain ("drop" a course
 * vs drag and "drop"; "section" of a course vs a class section) goes in `from` of the group it most
 * often means, or nowhere. Phrases are matched as word sequences after stemming, so "signing up"
 * matches "sign up"; single words match any inflection ("enrolled", "enrolment").
 */

/** Words and phrases per language. */
export interface VocabularyTerms {
  en?: readonly string[];
  es?: readonly string[];
}

/** One meaning and the words for it. */
export interface VocabularyGroup extends VocabularyTerms {
  /**
   * One-way entries: casual or ambiguous wording that, in a question, also searches for the group's
   * words, while the group's words never search for these ("sign up" → enroll, but not enroll →
   * "sign", which would pull in sign-in articles).
   */
  from?: VocabularyTerms;
}

/** The built-in LMS support vocabulary. */
export const LMS_VOCABULARY: readonly VocabularyGroup[] = [
  // --- Accounts and sign-in -------------------------------------------------------------------
  {
    en: ['sign in', 'log in', 'login', 'logon', 'log on'],
    es: ['iniciar sesión', 'inicio de sesión', 'ingresar', 'acceder'],
    from: { en: ['get in', 'sign on'], es: ['entrar', 'loguear'] },
  },
  { en: ['sign out', 'log out', 'logout', 'log off'], es: ['cerrar sesión'] },
  {
    en: ['password', 'passcode', 'passphrase'],
    es: ['contraseña', 'clave'],
    from: { en: ['pwd', 'credentials'] },
  },
  {
    en: ['reset', 'recover', 'recovery', 'restore'],
    es: ['restablecer', 'recuperar', 'recuperación'],
    from: { en: ['forgot', 'forgotten', 'lost my password'], es: ['olvidé', 'olvidada'] },
  },
  {
    en: ['sign in problem', 'login problem', 'trouble signing in'],
    es: ['problema de acceso'],
    from: { en: ['locked out', 'lockout', 'locked account', 'cannot log in'], es: ['cuenta bloqueada'] },
  },
  {
    en: ['username', 'user name', 'login name'],
    es: ['nombre de usuario'],
    from: { en: ['user id', 'screen name'] },
  },
  {
    en: ['account', 'user account'],
    es: ['cuenta', 'cuenta de usuario'],
  },
  {
    en: ['registration', 'register'],
    es: ['registro', 'registrarse'],
    from: {
      en: ['sign up', 'signup', 'join the site', 'create an account', 'new account', 'account creation'],
      es: ['darse de alta', 'crear una cuenta', 'alta'],
    },
  },
  {
    en: ['activate', 'activation', 'verify', 'verification', 'confirm', 'confirmation'],
    es: ['activar', 'activación', 'verificar', 'verificación', 'confirmar', 'confirmación'],
    from: { en: ['activation link', 'confirmation email', 'verification email'] },
  },
  {
    en: [
      'single sign-on',
      'sso',
      'saml',
      'identity provider',
      'idp',
      'oauth',
      'shibboleth',
      'third-party login',
    ],
    es: ['inicio de sesión único', 'proveedor de identidad'],
    from: { en: ['login with google', 'sign in with google', 'institutional login', 'university login'] },
  },
  {
    en: ['two-factor authentication', '2fa', 'mfa', 'multi-factor authentication', 'verification code'],
    es: ['autenticación de dos factores', 'código de verificación'],
  },
  {
    en: ['profile', 'user profile', 'public profile', 'bio'],
    es: ['perfil', 'perfil de usuario', 'biografía'],
  },
  {
    en: ['account settings', 'account information', 'personal details', 'account details'],
    es: ['configuración de la cuenta', 'datos de la cuenta'],
    from: { en: ['change my email', 'update my email', 'change my name', 'update my name'] },
  },
  { en: ['full name', 'legal name', 'display name', 'real name'], es: ['nombre completo', 'nombre legal'] },
  { en: ['profile picture', 'profile photo', 'profile image', 'avatar'], es: ['foto de perfil', 'avatar'] },
  {
    en: [
      'delete account',
      'close account',
      'account deletion',
      'deactivate account',
      'user retirement',
      'right to be forgotten',
    ],
    es: ['eliminar cuenta', 'borrar cuenta', 'cerrar cuenta', 'derecho al olvido'],
    from: { en: ['erase my data', 'remove my account', 'delete my data'] },
  },
  {
    en: [
      'personal data',
      'pii',
      'personally identifiable information',
      'privacy',
      'gdpr',
      'personal information',
      'data sharing',
    ],
    es: ['datos personales', 'privacidad', 'protección de datos'],
  },
  { en: ['time zone', 'timezone', 'local time', 'utc'], es: ['zona horaria', 'hora local'] },
  {
    en: ['language', 'translation', 'translate', 'localization', 'locale'],
    es: ['idioma', 'traducción', 'traducir', 'lengua'],
    from: { en: ['spanish', 'english', 'multilingual'], es: ['español', 'inglés'] },
  },

  // --- Enrolment ------------------------------------------------------------------------------
  {
    en: ['enroll', 'enrol', 'enrollment', 'enrolment'],
    es: ['inscribirse', 'inscripción', 'matricularse', 'matrícula'],
    from: {
      en: [
        'sign up for',
        'signup for',
        'register for',
        'join a course',
        'join the course',
        'take a course',
        'get into a course',
      ],
      es: ['apuntarse a', 'unirse a un curso', 'registrarse en', 'inscribirme en'],
    },
  },
  {
    en: ['unenroll', 'unenrol', 'unenrollment', 'unregister', 'withdraw', 'withdrawal'],
    es: ['darse de baja', 'anular la inscripción', 'desinscribirse', 'retirarse'],
    from: {
      en: [
        'drop a course',
        'drop the course',
        'drop out',
        'leave a course',
        'leave the course',
        'quit a course',
        'cancel enrollment',
      ],
      es: ['abandonar el curso', 'salir del curso', 'dejar el curso'],
    },
  },
  {
    en: ['enrollment code', 'access code', 'invitation', 'invite', 'course key', 'registration code'],
    es: ['código de inscripción', 'invitación', 'invitar', 'código de acceso'],
  },
  { en: ['waitlist', 'wait list', 'waiting list'], es: ['lista de espera'] },
  {
    en: ['enrollment track', 'audit track', 'verified track', 'course mode', 'upgrade'],
    es: ['modalidad de inscripción', 'modalidad verificada', 'oyente'],
    from: { en: ['audit', 'auditing', 'verified certificate', 'paid track'] },
  },
  {
    en: ['roster', 'class list', 'enrollment list', 'participant list', 'student list', 'enrolled learners'],
    es: ['lista de estudiantes', 'lista de clase', 'lista de participantes'],
    from: { en: ['who is enrolled', 'who enrolled', 'list of students', 'how many students'] },
  },

  // --- Progress, grades and completion --------------------------------------------------------
  {
    en: ['progress'],
    es: ['progreso', 'avance'],
    from: {
      en: [
        'how far along',
        'how far',
        'how am i doing',
        'how much is left',
        'how much left',
        'what have i completed',
        'completion status',
      ],
      es: ['cómo voy', 'cuánto me falta', 'qué me falta'],
    },
  },
  {
    en: ['grade', 'score', 'points'],
    es: ['calificación', 'nota', 'puntuación', 'puntaje', 'puntos'],
    from: { en: ['mark', 'marks', 'result', 'results'], es: ['resultado', 'resultados'] },
  },
  {
    en: ['gradebook', 'grade book', 'grade report', 'grades spreadsheet'],
    es: ['libro de calificaciones', 'registro de calificaciones', 'informe de calificaciones'],
    from: { en: ['marksheet', 'mark book'] },
  },
  {
    en: ['override', 'rescore', 'regrade', 'adjust a grade', 'grade override'],
    es: ['ajustar la calificación', 'recalificar', 'corregir la nota'],
    from: { en: ['change a grade', 'fix a grade', 'wrong grade', 'grade dispute', 'incorrect grade'] },
  },
  {
    en: [
      'passing grade',
      'pass mark',
      'grade cutoff',
      'grade range',
      'grading scale',
      'letter grade',
      'grade boundaries',
    ],
    es: ['nota de aprobación', 'nota mínima', 'escala de calificación'],
    from: { en: ['pass the course', 'minimum score', 'what do i need to pass'], es: ['aprobar el curso'] },
  },
  {
    en: ['grading policy', 'assignment type', 'weight', 'weighting', 'grade weight'],
    es: ['política de calificación', 'ponderación', 'peso', 'tipo de tarea'],
    from: { en: ['how is my grade calculated', 'how grades are calculated', 'worth'] },
  },
  {
    en: ['complete', 'completion', 'finish'],
    es: ['completar', 'terminar', 'finalizar', 'acabar'],
    from: { en: ['done', 'finished with', 'pass'], es: ['aprobar'] },
  },
  {
    en: ['fail', 'failing', 'failed'],
    es: ['reprobar', 'suspender', 'reprobado'],
    from: { en: ['did not pass'] },
  },
  {
    en: ['prerequisite', 'prereq', 'pre-requisite', 'required course', 'requirement', 'gated', 'gating'],
    es: ['requisito previo', 'prerrequisito', 'requisito', 'curso obligatorio'],
    from: {
      en: ['locked', 'unlock', 'unavailable until', 'required first'],
      es: ['bloqueado', 'desbloquear'],
    },
  },

  // --- Certificates and badges ----------------------------------------------------------------
  {
    en: ['certificate', 'certification', 'credential', 'diploma'],
    es: ['certificado', 'certificación', 'diploma', 'constancia', 'credencial'],
    from: { en: ['cert', 'proof of completion', 'completion record'] },
  },
  {
    en: ['badge', 'open badge', 'digital badge', 'micro-credential'],
    es: ['insignia', 'insignia digital', 'microcredencial'],
    from: { en: ['achievement', 'award'], es: ['logro'] },
  },
  {
    en: ['share', 'social sharing', 'social media', 'linkedin', 'twitter', 'facebook'],
    es: ['compartir', 'redes sociales'],
    from: { en: ['post to linkedin', 'add to linkedin'] },
  },

  // --- Assignments and submissions ------------------------------------------------------------
  {
    en: ['assignment', 'homework', 'coursework', 'exercise', 'problem set'],
    es: ['tarea', 'actividad', 'ejercicio', 'trabajo práctico'],
    from: { en: ['hw', 'task'], es: ['deberes'] },
  },
  {
    en: ['submit', 'submission'],
    es: ['entregar', 'entrega', 'enviar'],
    from: {
      en: ['hand in', 'turn in', 'send in', 'upload', 'attach'],
      es: ['subir', 'presentar', 'adjuntar'],
    },
  },
  {
    en: ['attempt', 'retry', 'reattempt', 'retake', 'resubmit', 'redo'],
    es: ['intento', 'reintentar', 'volver a intentar', 'reenviar', 'rehacer'],
    from: { en: ['try again', 'another chance', 'second chance'] },
  },
  {
    en: ['late submission', 'past due', 'overdue', 'missed deadline'],
    es: ['entrega tardía', 'atrasado', 'vencido', 'fuera de plazo'],
    from: { en: ['late', 'missed the deadline', 'too late'] },
  },
  {
    en: ['deadline', 'due date', 'due'],
    es: ['fecha límite', 'fecha de entrega', 'vencimiento', 'plazo'],
    from: { en: ['cutoff date', 'closing date', 'when is it due'] },
  },
  {
    en: ['extension', 'extend', 'extra time', 'more time', 'additional time'],
    es: ['prórroga', 'extensión', 'más tiempo', 'tiempo adicional'],
  },
  {
    en: ['peer assessment', 'peer review', 'peer grading', 'peer evaluation', 'self assessment'],
    es: ['evaluación entre pares', 'revisión por pares', 'coevaluación', 'autoevaluación'],
  },
  {
    en: ['essay', 'open response', 'written response', 'free text response', 'long answer'],
    es: ['ensayo', 'respuesta abierta', 'redacción', 'respuesta escrita'],
  },
  { en: ['rubric', 'criteria', 'scoring guide'], es: ['rúbrica', 'criterios'] },
  {
    en: ['feedback', 'comments', 'instructor comments'],
    es: ['retroalimentación', 'comentarios', 'devolución'],
  },
  {
    en: ['staff grading', 'manual grading', 'instructor grading', 'grade manually'],
    es: ['calificación manual', 'corrección manual'],
  },

  // --- Files ----------------------------------------------------------------------------------
  {
    en: ['file', 'attachment'],
    es: ['archivo', 'fichero', 'adjunto'],
    from: { en: ['document'], es: ['documento'] },
  },
  {
    en: ['file type', 'file extension', 'file format', 'mime type'],
    es: ['tipo de archivo', 'extensión de archivo', 'formato de archivo'],
    from: {
      en: [
        'exe',
        'executable',
        'pdf',
        'docx',
        'doc',
        'xlsx',
        'pptx',
        'zip',
        'jpg',
        'jpeg',
        'png',
        'gif',
        'mp3',
        'mp4',
        'txt',
      ],
      es: ['ejecutable'],
    },
  },
  {
    en: ['upload', 'attach'],
    es: ['subir', 'cargar', 'adjuntar'],
    from: { en: ['add a file', 'put a file'] },
  },
  {
    en: ['file size', 'size limit', 'maximum size', 'max size', 'quota', 'storage'],
    es: ['tamaño de archivo', 'tamaño máximo', 'límite de tamaño', 'almacenamiento'],
    from: { en: ['too large', 'too big'], es: ['demasiado grande'] },
  },
  { en: ['image', 'picture', 'photo', 'graphic'], es: ['imagen', 'foto', 'gráfico'] },
  {
    en: ['handout', 'course materials', 'slides', 'course files', 'resources'],
    es: ['materiales', 'recursos', 'lecturas', 'diapositivas', 'material del curso'],
  },
  {
    en: ['download'],
    es: ['descargar', 'descarga'],
    from: { en: ['save a copy', 'get a copy'], es: ['bajar'] },
  },
  { en: ['print', 'printable', 'pdf version'], es: ['imprimir', 'versión imprimible'] },
  { en: ['csv', 'spreadsheet', 'excel'], es: ['hoja de cálculo'] },

  // --- Restricting and allowing ---------------------------------------------------------------
  {
    en: [
      'prohibit',
      'restrict',
      'restriction',
      'block',
      'prevent',
      'disallow',
      'forbid',
      'ban',
      'deny',
      'limit',
    ],
    es: ['prohibir', 'restringir', 'restricción', 'bloquear', 'impedir', 'evitar', 'limitar', 'denegar'],
    from: {
      en: ['stop', 'not allow', 'no longer allow', 'exclude', 'blocklist', 'blacklist'],
      es: ['no permitir', 'excluir'],
    },
  },
  {
    en: ['allow', 'permit', 'enable access', 'allowlist', 'whitelist'],
    es: ['permitir', 'autorizar'],
  },
  {
    en: ['hide', 'hidden', 'visibility', 'invisible', 'conceal'],
    es: ['ocultar', 'oculto', 'visibilidad', 'esconder'],
    from: { en: ['unpublish', 'not visible', "can't see", 'cannot see'], es: ['no veo', 'no aparece'] },
  },
  {
    en: ['publish', 'release', 'make visible', 'unhide'],
    es: ['publicar', 'liberar', 'hacer visible'],
    from: { en: ['go live', 'launch'] },
  },
  {
    en: ['delete', 'remove', 'erase'],
    es: ['eliminar', 'borrar', 'quitar'],
    from: { en: ['get rid of', 'discard'] },
  },
  {
    en: ['edit', 'modify', 'change'],
    es: ['editar', 'modificar', 'cambiar'],
    from: { en: ['update', 'alter', 'adjust', 'fix'], es: ['actualizar', 'corregir'] },
  },
  {
    en: ['create', 'add', 'insert'],
    es: ['crear', 'añadir', 'agregar', 'insertar'],
    from: { en: ['make', 'build'] },
  },
  {
    en: ['configure', 'configuration', 'setup', 'set up'],
    es: ['configurar', 'configuración', 'ajustes'],
    from: { en: ['customize', 'preferences'], es: ['opciones', 'personalizar'] },
  },
  { en: ['enable', 'turn on', 'switch on'], es: ['habilitar'] },
  { en: ['disable', 'turn off', 'switch off', 'deactivate'], es: ['deshabilitar', 'desactivar'] },
  {
    en: ['copy', 'duplicate', 'clone', 're-run', 'rerun', 'reuse'],
    es: ['copiar', 'duplicar', 'clonar', 'reutilizar'],
    from: { en: ['run again', 'next semester', 'new term'] },
  },
  {
    en: ['import', 'restore'],
    es: ['importar', 'restaurar'],
    from: { en: ['migrate', 'bring in'], es: ['migrar'] },
  },
  { en: ['export', 'backup', 'back up', 'archive'], es: ['exportar', 'copia de seguridad', 'respaldo'] },

  // --- Schedule, calendar, pacing -------------------------------------------------------------
  {
    en: ['schedule', 'start date', 'end date', 'course dates', 'course run'],
    es: ['calendario del curso', 'fecha de inicio', 'fecha de finalización', 'cronograma'],
    from: { en: ['when does the course start', 'when does the course end'], es: ['cuándo empieza'] },
  },
  {
    en: ['calendar', 'ical', 'ics'],
    es: ['calendario', 'agenda'],
    from: { en: ['add to calendar', 'google calendar'] },
  },
  {
    en: ['pacing', 'self-paced', 'instructor-paced', 'own pace'],
    es: ['ritmo', 'a mi ritmo', 'autoritmo'],
  },
  {
    en: ['learning goal', 'weekly goal', 'study goal', 'goal', 'streak', 'study plan'],
    es: ['objetivo de aprendizaje', 'meta', 'objetivo semanal'],
  },
  {
    en: ['start', 'begin', 'get started', 'getting started', 'first steps', 'onboarding', 'orientation'],
    es: ['empezar', 'comenzar', 'iniciar', 'primeros pasos'],
  },

  // --- Video, media, mobile -------------------------------------------------------------------
  {
    en: ['video', 'lecture', 'recording', 'clip', 'recorded lecture'],
    es: ['video', 'vídeo', 'clase grabada', 'grabación'],
    from: { en: ['movie', 'screencast'] },
  },
  {
    en: ['caption', 'subtitle', 'closed captions'],
    es: ['subtítulos'],
    from: { en: ['cc', 'srt'] },
  },
  { en: ['transcript', 'transcription'], es: ['transcripción'], from: { en: ['text version of the video'] } },
  {
    en: ['play', 'playback', 'player', 'stream', 'streaming', 'buffering'],
    es: ['reproducir', 'reproducción', 'reproductor'],
    from: { en: ["won't play", 'not playing', 'keeps buffering'], es: ['no se reproduce'] },
  },
  { en: ['speed', 'playback speed', 'faster', 'slower'], es: ['velocidad'] },
  {
    en: ['offline', 'without internet', 'no internet', 'no connection'],
    es: ['sin conexión', 'sin internet'],
    from: { en: ['download for later', 'watch later', 'on the plane'] },
  },
  {
    en: ['mobile', 'mobile app', 'phone', 'smartphone', 'tablet', 'ios', 'android', 'iphone', 'ipad'],
    es: ['móvil', 'celular', 'teléfono', 'aplicación móvil', 'tableta'],
    from: { en: ['app', 'cell phone', 'cellphone'], es: ['app', 'aplicación'] },
  },
  {
    en: ['browser', 'web browser', 'chrome', 'firefox', 'safari'],
    es: ['navegador'],
    from: { en: ['cookies', 'cache', 'clear cache'], es: ['caché'] },
  },
  { en: ['audio', 'sound', 'volume', 'mute'], es: ['audio', 'sonido', 'volumen'] },
  { en: ['embed', 'embedded', 'iframe'], es: ['incrustar', 'insertar'] },
  {
    en: [
      'live session',
      'webinar',
      'video conference',
      'virtual classroom',
      'office hours',
      'zoom',
      'meeting',
    ],
    es: ['sesión en vivo', 'clase en vivo', 'videoconferencia', 'reunión', 'horario de atención'],
  },

  // --- Discussions and communication ----------------------------------------------------------
  {
    en: ['discussion', 'forum', 'discussion board', 'message board'],
    es: ['foro', 'discusión', 'debate'],
    from: { en: ['board', 'community'] },
  },
  {
    en: ['post', 'thread', 'reply', 'comment'],
    es: ['publicación', 'hilo', 'comentario', 'responder'],
    from: { en: ['question in the forum'] },
  },
  {
    en: ['moderate', 'moderator', 'moderation', 'community ta'],
    es: ['moderar', 'moderador', 'moderación'],
  },
  {
    en: ['report abuse', 'flag', 'inappropriate', 'spam', 'offensive', 'harassment'],
    es: ['denunciar', 'reportar', 'inapropiado', 'acoso'],
  },
  {
    en: ['anonymous', 'anonymously'],
    es: ['anónimo', 'anónimamente'],
    from: { en: ['hide my name', 'without my name'] },
  },
  { en: ['follow', 'subscribe'], es: ['seguir', 'suscribirse'] },
  { en: ['pin', 'pinned', 'sticky'], es: ['fijar', 'fijado'] },
  {
    en: ['announcement', 'course update', 'bulletin'],
    es: ['anuncio', 'novedades', 'aviso'],
  },
  {
    en: ['message', 'direct message', 'private message', 'inbox'],
    es: ['mensaje', 'mensaje privado', 'bandeja de entrada'],
    from: { en: ['dm', 'contact the instructor', 'contact my teacher'] },
  },
  {
    en: ['notification', 'alert', 'notify'],
    es: ['notificación', 'alerta', 'aviso'],
    from: { en: ['push notification', 'reminder'], es: ['recordatorio'] },
  },
  {
    en: ['email', 'mail'],
    es: ['correo', 'correo electrónico', 'email'],
    from: { en: ['e-mail'] },
  },
  {
    en: ['bulk email', 'mass email'],
    es: ['correo masivo'],
    from: { en: ['email all learners', 'email all students', 'message all students', 'newsletter'] },
  },
  {
    en: ['unsubscribe', 'opt out', 'email preferences', 'email settings'],
    es: ['darse de baja', 'cancelar la suscripción', 'preferencias de correo'],
    from: { en: ['stop emails', 'too many emails', 'stop getting emails'], es: ['dejar de recibir correos'] },
  },
  {
    en: ['digest', 'summary email', 'weekly email', 'highlights email', 'course highlights'],
    es: ['resumen', 'correo semanal'],
  },
  {
    en: ['spam folder', 'junk folder', 'junk mail'],
    es: ['correo no deseado', 'carpeta de spam'],
    from: {
      en: ['not receiving', 'did not receive', 'never received', 'never got'],
      es: ['no recibo', 'no me llega'],
    },
  },

  // --- Groups, cohorts, teams -----------------------------------------------------------------
  {
    en: ['cohort', 'group'],
    es: ['cohorte', 'grupo'],
    from: { en: ['class section', 'subgroup', 'breakout group'], es: ['comisión'] },
  },
  {
    en: ['team', 'team project', 'group project', 'group work', 'collaboration'],
    es: ['equipo', 'proyecto en equipo', 'trabajo en grupo', 'colaboración'],
  },

  // --- People, roles and permissions ----------------------------------------------------------
  {
    en: [
      'course team',
      'staff',
      'instructor',
      'teacher',
      'faculty',
      'professor',
      'teaching assistant',
      'educator',
    ],
    es: ['profesor', 'docente', 'instructor', 'equipo docente', 'maestro', 'tutor'],
    from: { en: ['ta', 'tutor', 'lecturer', 'co-instructor', 'colleague', 'course author'] },
  },
  {
    en: ['learner', 'student', 'participant'],
    es: ['estudiante', 'alumno', 'participante', 'aprendiz'],
    from: { en: ['pupil', 'attendee', 'enrollee', 'trainee'] },
  },
  {
    en: ['admin', 'administrator', 'site administrator', 'superuser', 'global staff'],
    es: ['administrador', 'administradora'],
  },
  {
    en: ['permission', 'role', 'rights', 'privilege', 'access rights', 'authorization'],
    es: ['permiso', 'rol', 'derechos', 'privilegio', 'autorización'],
    from: { en: ['access', 'allowed to', 'able to'], es: ['acceso'] },
  },
  {
    en: ['grant', 'give'],
    es: ['otorgar', 'conceder', 'dar'],
    from: { en: ['promote', 'make someone', 'assign a role', 'assign role'], es: ['asignar un rol'] },
  },
  {
    en: ['revoke', 'remove access', 'withdraw access', 'demote'],
    es: ['revocar', 'quitar el permiso', 'retirar el acceso'],
    from: { en: ['take away access'] },
  },
  {
    en: ['beta tester', 'beta testing', 'tester'],
    es: ['probador', 'prueba beta'],
    from: { en: ['try out before launch', 'test users'] },
  },
  {
    en: ['preview', 'view as learner', 'view as student', 'masquerade', 'learner view', 'student view'],
    es: ['vista previa', 'ver como estudiante', 'vista del estudiante'],
    from: { en: ['see what students see', 'see what learners see'] },
  },
  {
    en: ['studio', 'course authoring', 'authoring', 'authoring tool'],
    es: ['herramienta de autoría', 'autoría'],
    from: { en: ['course builder', 'course editor', 'cms'] },
  },
  {
    en: ['course creation', 'course creator'],
    es: ['creación de cursos'],
    from: {
      en: [
        'create a course',
        'new course',
        'build a course',
        'make a course',
        'author a course',
        'set up a course',
      ],
      es: ['crear un curso', 'nuevo curso'],
    },
  },
  {
    en: ['impersonate', 'masquerade', 'act as', 'log in as'],
    es: ['suplantar', 'ver como'],
  },

  // --- Exams, quizzes, problems ---------------------------------------------------------------
  {
    en: ['exam', 'test', 'quiz', 'assessment', 'examination'],
    es: ['examen', 'prueba', 'cuestionario', 'evaluación'],
    from: { en: ['midterm', 'final exam', 'graded quiz'], es: ['parcial', 'examen final'] },
  },
  {
    en: [
      'proctored',
      'proctoring',
      'proctor',
      'invigilation',
      'invigilator',
      'supervised exam',
      'online proctoring',
    ],
    es: ['supervisión', 'examen supervisado', 'vigilado', 'supervisado'],
    from: { en: ['webcam', 'camera', 'monitored exam', 'id verification'], es: ['cámara'] },
  },
  {
    en: ['time limit', 'timer', 'countdown', 'time allotted'],
    es: ['tiempo límite', 'límite de tiempo', 'cronómetro', 'temporizado'],
    from: { en: ['how long do i have', 'ran out of time'], es: ['se acabó el tiempo'] },
  },
  {
    en: ['entrance exam', 'placement test', 'pretest', 'pre-test', 'admission test'],
    es: ['examen de admisión', 'examen de ingreso', 'prueba diagnóstica'],
  },
  {
    en: ['multiple choice', 'mcq', 'checkboxes', 'dropdown', 'drop-down', 'single choice'],
    es: ['opción múltiple', 'selección múltiple', 'lista desplegable'],
  },
  {
    en: ['problem', 'question', 'problem component', 'question type'],
    es: ['pregunta', 'tipo de pregunta'],
    from: { en: ['quiz question', 'test question', 'exam question', 'item'] },
  },
  {
    en: ['answer', 'solution', 'correct answer', 'answer key', 'explanation'],
    es: ['respuesta', 'solución', 'respuesta correcta', 'explicación'],
  },
  { en: ['hint', 'clue', 'tip'], es: ['pista', 'sugerencia'] },
  {
    en: ['math', 'equation', 'formula', 'latex', 'mathjax', 'scientific notation'],
    es: ['matemáticas', 'ecuación', 'fórmula'],
  },
  {
    en: ['cheating', 'plagiarism', 'academic integrity', 'academic honesty', 'misconduct'],
    es: ['plagio', 'trampa', 'integridad académica', 'copiar en el examen'],
  },
  {
    en: [
      'terms of service',
      'user agreement',
      'honor code',
      'code of conduct',
      'terms and conditions',
      'terms of use',
    ],
    es: ['términos de servicio', 'acuerdo de usuario', 'código de honor', 'términos y condiciones'],
  },

  // --- Course structure and navigation --------------------------------------------------------
  {
    en: ['course outline', 'syllabus', 'table of contents', 'course structure', 'course map'],
    es: ['temario', 'programa del curso', 'índice', 'estructura del curso'],
  },
  {
    en: ['module', 'unit', 'lesson', 'chapter', 'subsection'],
    es: ['módulo', 'unidad', 'lección', 'capítulo', 'tema'],
    from: { en: ['week', 'section'], es: ['semana', 'sección'] },
  },
  {
    en: ['dashboard'],
    es: ['panel', 'tablero'],
    from: {
      en: ['homepage', 'home page', 'landing page', 'main page', 'course list'],
      es: ['mis cursos', 'página de inicio'],
    },
  },
  {
    en: ['about page', 'course description', 'course overview', 'course catalog', 'course listing'],
    es: ['catálogo', 'descripción del curso', 'página del curso'],
  },
  {
    en: ['search', 'find', 'look up', 'locate'],
    es: ['buscar', 'encontrar', 'búsqueda'],
    from: { en: ['look for', 'where is', 'where can i find'], es: ['dónde está', 'dónde encuentro'] },
  },
  { en: ['bookmark', 'favorite', 'save for later'], es: ['marcador', 'favorito', 'guardar para después'] },
  { en: ['notes', 'annotation', 'highlight'], es: ['notas', 'apuntes', 'anotaciones', 'resaltar'] },
  {
    en: ['save', 'autosave', 'draft'],
    es: ['guardar', 'borrador', 'autoguardado'],
    from: { en: ['save my work', 'lost my work', 'lost my answers'], es: ['perdí mi trabajo'] },
  },
  { en: ['wiki', 'knowledge base'], es: ['wiki', 'base de conocimiento'] },
  {
    en: [
      'license',
      'licence',
      'copyright',
      'creative commons',
      'all rights reserved',
      'intellectual property',
    ],
    es: ['licencia', 'derechos de autor', 'propiedad intelectual'],
  },

  // --- Reports and data -----------------------------------------------------------------------
  {
    en: ['report', 'analytics', 'statistics', 'stats', 'insights', 'data download'],
    es: ['informe', 'reporte', 'estadísticas', 'analíticas'],
  },
  { en: ['bulk', 'batch', 'in bulk', 'mass'], es: ['masivo', 'en lote', 'por lotes'] },
  {
    en: ['anonymized id', 'anonymous id', 'learner id', 'user id', 'student id'],
    es: ['identificador anónimo', 'id de estudiante'],
  },
  {
    en: ['attendance', 'participation', 'engagement', 'activity log', 'last login'],
    es: ['asistencia', 'participación', 'actividad'],
  },

  // --- Accessibility --------------------------------------------------------------------------
  {
    en: [
      'accessibility',
      'accessible',
      'a11y',
      'wcag',
      'disability',
      'assistive technology',
      'section 508',
      'ada',
    ],
    es: ['accesibilidad', 'accesible', 'discapacidad', 'tecnología de asistencia'],
  },
  {
    en: ['screen reader', 'jaws', 'nvda', 'voiceover', 'text to speech'],
    es: ['lector de pantalla', 'texto a voz'],
    from: { en: ['blind', 'visually impaired', 'low vision'], es: ['ciego', 'baja visión'] },
  },
  {
    en: ['accommodation', 'special accommodation', 'reasonable adjustment'],
    es: ['adaptación', 'ajuste razonable'],
    from: { en: ['extra time for disability', 'dyslexia'] },
  },
  {
    en: ['alt text', 'alternative text', 'image description'],
    es: ['texto alternativo', 'descripción de imagen'],
  },
  {
    en: ['keyboard', 'keyboard navigation', 'keyboard shortcut', 'hotkey'],
    es: ['teclado', 'atajo de teclado', 'navegación con teclado'],
  },
  {
    en: ['contrast', 'color contrast', 'font size', 'text size', 'zoom', 'magnify'],
    es: ['contraste', 'tamaño de letra', 'tamaño del texto', 'ampliar'],
  },

  // --- Payment --------------------------------------------------------------------------------
  {
    en: ['payment', 'pay', 'purchase', 'buy', 'checkout', 'billing', 'fee', 'price', 'cost'],
    es: ['pago', 'pagar', 'comprar', 'compra', 'precio', 'costo', 'tarifa', 'cobro'],
    from: {
      en: ['how much does it cost', 'credit card', 'paypal'],
      es: ['cuánto cuesta', 'tarjeta de crédito'],
    },
  },
  {
    en: ['refund', 'money back', 'reimbursement', 'chargeback'],
    es: ['reembolso', 'devolución del dinero'],
    from: { en: ['cancel my purchase', 'charged twice'], es: ['me cobraron dos veces'] },
  },
  {
    en: ['receipt', 'invoice', 'order history', 'proof of payment'],
    es: ['recibo', 'factura', 'comprobante de pago'],
  },
  { en: ['coupon', 'discount', 'voucher', 'promo code'], es: ['cupón', 'descuento', 'código promocional'] },
  { en: ['financial aid', 'scholarship', 'fee waiver'], es: ['ayuda financiera', 'beca'] },

  // --- Integrations ---------------------------------------------------------------------------
  {
    en: ['lti', 'external tool', 'learning tools interoperability', 'lti tool', 'lti component'],
    es: ['herramienta externa'],
    from: { en: ['canvas', 'moodle', 'blackboard', 'brightspace', 'd2l', 'schoology', 'sakai'] },
  },
  {
    en: ['scorm', 'xapi', 'tin can', 'cmi5', 'scorm package', 'content package'],
    es: ['paquete scorm', 'paquete de contenido'],
    from: { en: ['articulate', 'storyline', 'captivate', 'e-learning package'] },
  },
  {
    en: ['integration', 'plugin', 'plug-in', 'add-on', 'xblock', 'third-party tool'],
    es: ['integración', 'complemento', 'extensión'],
  },
  { en: ['api', 'rest api', 'webhook', 'endpoint', 'api key'], es: ['clave de api'] },
  {
    en: [
      'google drive',
      'google docs',
      'google sheets',
      'google slides',
      'onedrive',
      'dropbox',
      'office 365',
    ],
    es: ['documentos de google'],
  },
  {
    en: ['theme', 'branding', 'logo', 'look and feel', 'custom css', 'styling'],
    es: ['tema visual', 'marca', 'logotipo', 'apariencia'],
  },
  {
    en: ['site', 'microsite', 'multi-site', 'subdomain', 'white label', 'tenant'],
    es: ['sitio', 'micrositio', 'subdominio', 'marca blanca'],
  },
  {
    en: ['custom field', 'registration form', 'extra field', 'additional field'],
    es: ['campo personalizado', 'formulario de registro'],
  },

  // --- Help and troubleshooting ---------------------------------------------------------------
  {
    en: ['help', 'support', 'helpdesk'],
    es: ['ayuda', 'soporte', 'asistencia técnica', 'mesa de ayuda'],
    from: { en: ['help desk', 'technical support', 'customer service'] },
  },
  {
    en: ['error', 'issue', 'bug', 'glitch', 'troubleshoot', 'troubleshooting'],
    es: ['error', 'falla', 'fallo', 'solución de problemas'],
    from: {
      en: ['not working', "doesn't work", 'broken', 'stuck', 'crash', 'crashes'],
      es: ['no funciona', 'se traba'],
    },
  },
];

/**
 * The vocabulary a tenant's questions are expanded with: the built-in groups plus the tenant's own
 * (product names, local jargon: "Canvas" → "LMS", a course code's nickname).
 */
export function lmsVocabulary(extraGroups: readonly VocabularyGroup[] = []): VocabularyGroup[] {
  return [...LMS_VOCABULARY, ...extraGroups];
}
