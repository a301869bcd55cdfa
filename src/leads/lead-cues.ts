/**
 * The cue families the lead detector scores (see lead-intent.ts). Each family is a small lexicon of
 * word stems in English, Spanish, Portuguese and French, written over folded text (lower case, no
 * accents: "demostración" is "demostracion"). The families, not single phrases, carry the method: a
 * prospect names something a vendor sells (commercial), acts as a buyer (buyer action), speaks for an
 * organisation (organisation, scale, plural voice) and addresses the vendor (vendor address); a learner
 * talks about their course, lesson, exam or certificate (learner context).
 */

/** One cue: the signal name it reports and a pattern over folded text (wrapped word-bounded). */
export interface Cue {
  signal: string;
  pattern: string;
}

/** The product itself, named as what is bought, tried or shown ("this platform", "la plataforma"). */
export const PRODUCT = `(?:this|the|your|our) (?:platform|product|tool|assistant|chatbot|bot|software|service|solution|lms|system)|(?:la|esta|su|nuestra) (?:plataforma|herramienta|solucion)|(?:el|este|su) (?:producto|servicio|asistente|sistema|chatbot)|(?:a|esta|sua) (?:plataforma|ferramenta|solucao)|(?:o|este|seu) (?:produto|servico|assistente|sistema)|(?:la|cette|votre) (?:plateforme|solution)|(?:le|ce|votre) (?:produit|service|outil|assistant)`;

/** Verbs of showing, for the demo asked as a verb ("show our dean how the platform works"). */
const SHOW = `show(?:ing)? (?:us|me|them|our [\\p{L}]+|my [\\p{L}]+)|(?:mostrar|ensenar)(?:nos|me|les)?|mostra(?:r|r-nos|r-me)|(?:nous |me )?montrer`;

/**
 * Things a vendor sells and only a buyer asks about, even alone ("can I get a demo", "a quote for 500
 * seats", "a free trial", "an RFP"). Nouns that learners also use ("a demo video", "a trial exam") are
 * taken back when they sit next to learner context (see `bound` in lead-intent.ts).
 */
export const STRONG_COMMERCIAL: readonly Cue[] = [
  {
    signal: 'demo',
    pattern: `demos?|demonstrations?|demostraci(?:on|ones)|demonstrac(?:ao|oes)|walk[- ]?throughs?|walk (?:us|me|my team|our team|our staff) through|product tours?|presentacion del producto|presentation du produit|(?:${SHOW}) (?:how )?(?:${PRODUCT})(?: works)?|(?:${SHOW}) (?:how it works|como funciona|comment (?:ca|il|elle) fonctionne)`,
  },
  {
    signal: 'trial',
    pattern: `(?:free |30 day |14 day )?trials?|trial (?:period|account|version|licen[cs]e)|prueba gratuita|periodo de prueba|version de prueba|teste gratuito|periodo de teste|essai gratuit|periode d'essai|version d'essai`,
  },
  {
    signal: 'pilot',
    pattern: `pilot(?: program(?:me)?| project)?s?|piloto|projeto piloto|projet pilote`,
  },
  {
    signal: 'quote',
    // The noun ("a quote for", "request a quote"), not the verb ("how do I quote a reply"), and not a
    // quotation from a text: a price quote is "for" something, a text quote is "from" somewhere.
    pattern: `(?:a|an|the|your|price|formal) quotes?(?! from)|quotes? for|quotations?(?! from)|cotizaci(?:on|ones)|cotacao|cotacoes|orcamento|devis`,
  },
  {
    signal: 'pricing',
    pattern: `pricing|price (?:list|sheet)s?|tarifas?|tarifs?|tarification|plans? de precios`,
  },
  {
    signal: 'licensing',
    pattern: `licensing|site licen[cs]es?|(?:institutional|enterprise|campus|volume|bulk) licen[cs]es?|licenciamiento|licenciamento`,
  },
  { signal: 'seats', pattern: `seats?|asientos|licencias por usuario|assentos` },
  {
    signal: 'procurement',
    pattern: `procurement|purchasing department|purchase orders?|rfps?|rfqs?|rfis?|requests? for (?:proposal|quotation|information)s?|tenders?|licitaci(?:on|ones)|licitac(?:ao|oes)|appels? d'offres|vendor (?:security|assessment|questionnaire|onboarding|registration|form)s?|security questionnaires?`,
  },
  {
    signal: 'due diligence',
    pattern: `case stud(?:y|ies)|brochures?|data ?sheets?|white ?papers?|soc ?2|iso 27001|hecvat|vpat|data processing agreements?|dpa|security (?:review|documentation|whitepaper)s?|references from (?:other )?(?:customers|clients|universities|schools|institutions)|casos? de (?:exito|estudio)|estudos? de caso|etudes? de cas|fiche produit`,
  },
  {
    signal: 'plan',
    pattern: `(?:enterprise|business|team|institutional|education(?:al)?|premium|paid|pro) (?:plans?|tiers?|editions?|packages?)|plan (?:empresarial|institucional|educativo)|plano (?:empresarial|institucional)`,
  },
  {
    signal: 'sales',
    pattern: `sales(?: team| department| rep(?:resentative)?s?| person| contact)?|account (?:manager|executive)|ventas|equipo comercial|vendas|equipe comercial|service commercial|commerciaux?`,
  },
  {
    signal: 'partnership',
    pattern: `partnerships?|resellers?|alianzas?|asociaci(?:on|ones) comercial(?:es)?|parcerias?|partenariats?`,
  },
];

/**
 * Commercial words that are common in learner talk too ("the price of the textbook", "a discount on the
 * certificate", "a licence on my course"): they count less, and need another cue to make a lead.
 */
export const WEAK_COMMERCIAL: readonly Cue[] = [
  {
    signal: 'price',
    pattern: `prices?|priced|costs?|costing|how much|fees?|precios?|cuanto (?:cuesta|cuestan|costaria|vale|sale)|costo|coste|precos?|quanto (?:custa|custaria|custam)|custo|prix|combien|cout`,
  },
  { signal: 'discount', pattern: `discounts?|descuentos?|descontos?|remises?|reductions?` },
  { signal: 'licence', pattern: `licen[cs]es?|licencias?|licencas?` },
  {
    signal: 'subscription',
    pattern: `subscriptions?|suscripci(?:on|ones)|assinaturas?|abonnements?`,
  },
  { signal: 'contract', pattern: `contracts?|contratos?|contrats?|agreements?` },
  { signal: 'proposal', pattern: `proposals?|propuestas?|propostas?|propositions? commerciales?` },
  { signal: 'onboarding', pattern: `onboarding|implementation (?:fee|cost|support)s?` },
  { signal: 'plan', pattern: `plans?|planes|planos|tiers?|packages?|paquetes?|pacotes?|forfaits?` },
  {
    signal: 'trial',
    pattern: `(?:try|trial|test|pilot)(?:ing)? (?:out )?(?:${PRODUCT})(?: out)?|(?:try|test) (?:it|this) (?:out|first|before)|test drive|(?:probar|testar|tester|essayer)(?:la|lo)? (?:${PRODUCT})|(?:probarla|probarlo|testa-la|testa-lo)`,
  },
  {
    signal: 'compliance',
    pattern: `gdpr|rgpd|lgpd|ferpa|hipaa|compliant|compliance review|cumplimiento normativo`,
  },
];

/** Buyer actions: buying, rolling out, evaluating or switching platforms, setting up a sales meeting. */
export const BUYER_ACTION: readonly Cue[] = [
  {
    signal: 'buying',
    pattern: `buy(?:ing)?|purchas(?:e|ing)|acquir(?:e|ing)|procur(?:e|ing)|subscrib(?:e|ing)|sign (?:up|on) (?:our|the whole|all)|become (?:a )?customers?|compr(?:ar|arla|arlo|arlas|arlos|amos|ariamos|aria)|adquiri(?:r|rla|rlo|mos)|contrat(?:ar|arla|arlo|amos|ariamos|aria|acion|acao)|suscribir(?:nos)?|achet(?:er|ons|erions)|acquerir|souscri(?:re|vons)|assinar|(?:get|set) (?:this|it) (?:up|set up|for|in)|set up (?:this|it) for|(?:add|adding|bring|bringing|offer|offering|use|using|deploy|license|licensing) (?:this|it|(?:${PRODUCT})) (?:to|for|at|in|across|with) (?:our|my|all|the whole|every)`,
  },
  {
    signal: 'rollout',
    pattern: `roll(?:ing)? (?:it |this |this assistant |the platform |your (?:platform|product|tool) )?out|rollout|deploy(?:ing|ment)?|implement(?:ing|ation)?|adopt(?:ing)?|integrat(?:e|ing) (?:this|it|your)|implement(?:ar|arlo|arla|amos|acion|acao)|despleg(?:ar|arlo|arla)|implant(?:ar|arlo|arla|amos|acao)|deploy(?:er|ons)|mettre en place|(?:looking|planning|hoping) to (?:replace|switch|adopt|buy|purchase|roll)|replace our`,
  },
  {
    signal: 'evaluating',
    pattern: `evaluat(?:e|ing)|assess(?:ing)?|compar(?:e|es|ing)|shortlist(?:ing)?|looking for (?:a|an) (?:new )?(?:platform|solution|vendor|provider|lms|tool)|moving (?:off|away from)|switch(?:ing)? (?:from|to)|migrat(?:e|ing) (?:from|to|off)|evalu(?:ar|ando|amos)|compar(?:ando|amos)|migr(?:ar|amos)|avali(?:ar|ando|amos)|evalu(?:er|ons)|(?:busc|buscamos|buscando|procur(?:amos|ando)|cherch(?:ons|e)) (?:una?|uma|un|une) (?:nueva |nova |nouvelle )?(?:solucion|plataforma|herramienta|proveedor|solucao|ferramenta|fornecedor|solution|plateforme|outil|fournisseur)`,
  },
  {
    signal: 'interest',
    pattern: `interested in|nos interesa|me interesa|estamos interesados|interessad[oa]s?|gostariamos|interesse(?:s)? par`,
  },
  {
    signal: 'meeting',
    pattern: `(?:schedule|book|set up|arrange|request) (?:a |an )?(?:call|meeting|demo|walkthrough|presentation)|(?:agendar|programar|solicitar|coordinar) (?:una )?(?:reunion|llamada|demo|demostracion|cita)|(?:agendar|marcar) (?:uma )?(?:reuniao|chamada)|(?:planifier|organiser) (?:un )?(?:appel|rendez-vous|rendez vous)`,
  },
];

/** An organisation the writer speaks for, or buys for. */
export const ORGANISATION = `providers?|centers?|centres?|call cent(?:er|re)s?|authorit(?:y|ies)|councils?|associations?|foundations?|networks?|chains?|franchises?|startups?|customers|clients|members|asociaci(?:on|ones)|fundaci(?:on|ones)|centros?|redes?|associac(?:ao|oes)|fundac(?:ao|oes)|centres? de formation|universit(?:y|ies)|universidad(?:es)?|universidades?|universites?|colleges?|colegios?|facultad(?:es)?|faculdades?|facultes?|schools?|escuelas?|escolas?|ecoles?|school district|districts?|campus(?:es)?|institut(?:e|es|ion|ions|o|os)|compan(?:y|ies)|empresas?|entreprises?|businesse?s?|corporat(?:e|ion|ions)|organi[sz]ations?|organizaci(?:on|ones)|organizac(?:ao|oes)|department|departments|departamentos?|departements?|hospitals?|hospitales|clinics?|clinicas?|agenc(?:y|ies)|agencias?|government|gobierno|governo|ministr(?:y|ies)|ministerios?|nonprofits?|non-profits?|ngos?|ongs?|charit(?:y|ies)|bootcamps?|academ(?:y|ies)|academias?|firms?|employers?|employees|empleados|funcionarios|employes|workforce|staff training|training department|red de (?:colegios|escuelas)|rede de escolas|reseau d'ecoles|enterprise|teams?|equipos?|equipes?`;

/**
 * People who buy for an organisation, or whom a buyer answers to ("I'm the head of IT", "our dean", "my
 * manager asked me"): they count as the organisation speaking.
 */
export const DECISION_MAKER = `head of [\\p{L}]+|heads of [\\p{L}]+|directors?|deans?|provosts?|principals?|board|committee|management|managers?|ceo|cto|cio|cfo|coordinators?|procurement officers?|legal team|it (?:team|department|director|manager)|l&d|learning and development|director(?:a|es)?|rector(?:a|es)?|decan(?:o|a|os)|jef(?:e|a) de [\\p{L}]+|gerentes?|coordinador(?:a|es)?|diretor(?:a|es)?|reitor(?:a|es)?|coordenador(?:a|es)?|directeur|directrice|doyen|responsable (?:de|des|du) [\\p{L}]+`;

/** First-person-plural voice and the singular possessive, before an organisation ("our university"). */
export const OWNER = `our|my|nuestr[oa]s?|mi|mis|nossa|nosso|nossas|nossos|minha|meu|notre|nos|mon|ma`;

/** First-person-plural voice anywhere: a buyer speaks for an organisation. */
export const PLURAL_VOICE = `we|we're|we'd|we've|we'll|our|us|nosotros|nuestr[oa]s?|estamos|somos|queremos|necesitamos|nos|nous|notre|nossa|nosso|nossos|nossas|gostariamos|precisamos`;

/** Counts of people, seats or sites: the size of the buying organisation ("20,000 students", "3 campuses"). */
export const SCALE = String.raw`(?:\d{1,3}(?:[,. ]\d{3})+|\d+|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundreds?|thousands?|several|multiple|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|cien|cientos|mil|varios|varias|duas|quatro|dez|cem|deux|trois|quatre|cinq|dix|cent|mille|plusieurs)(?: [\p{L}-]+){0,2}? (?:students|learners|users|seats|employees|staff|teachers|instructors|faculty|people|participants|members|residents|nurses|agents|personas|participantes|pessoas|personnes|campus(?:es)?|schools|sites|locations|branches|offices|factories|plants|hospitals|clinics|departments|colleges|estudiantes|alumnos|usuarios|docentes|profesores|empleados|sedes|escuelas|colegios|alunos|professores|funcionarios|escolas|unidades|etudiants|eleves|utilisateurs|enseignants|employes|ecoles|sites)`;

/** The vendor addressed as the seller ("your platform", "do you offer", "¿ofrecen…?"). */
export const VENDOR_ADDRESS = `your (?:lms|platform|product|products|tool|software|service|services|solution|assistant|company|offering|pricing|plans?)|do you (?:offer|have|provide|sell|support|do)|are you able to|can you (?:send|provide|share)|you guys|(?:ofrecen|tienen|venden|manejan|proporcionan)|su (?:plataforma|producto|servicio|herramienta|empresa)|(?:podrian|pueden) enviar(?:me|nos)|voces (?:oferecem|tem)|sua plataforma|(?:proposez|offrez|avez)-vous|vous proposez|votre (?:plateforme|produit|outil|service)|pouvez-vous m'envoyer`;

/**
 * Learner context: the things a learner's own question is about. A commercial word next to one of these
 * is about course content ("a demo video", "the certificate's price"), and each one present counts
 * against a lead.
 */
export const LEARNER_CONTEXT = String.raw`courses?|class(?:es)?|lessons?|modules?|units?|week \d+|chapters?|sections?|assignments?|homework|exams?|quiz(?:zes)?|tests?|midterms?|final exams?|grades?|graded|grading|scores?|certificates?|cert|textbooks?|books?|videos?|lectures?|problems?|problem sets?|attempts?|exercises?|forum|discussions?|posts?|repl(?:y|ies)|instructors?|professors?|tutors?|enrol(?:l|ls|led|ling|ment)?|syllabus|transcripts?|badges?|labs?|simulations?|verified|audit(?:ing)?|track|refunds?|receipts?|submissions?|practice|cursos?|clases?|leccion(?:es)?|modulos?|unidad(?:es)?|tareas?|examen(?:es)?|pruebas?|notas?|calificaci(?:on|ones)|certificados?|libros?|ejercicios?|foros?|profesor(?:a|es)?|inscripci(?:on|ones)|matricula|factura|aulas?|licao|licoes|tarefas?|exames?|provas?|cours|lecons?|devoirs?|examens?|certificats?|professeurs?|exercices?|laboratorios?|laboratoires?|simulaci(?:on|ones)|simulac(?:ao|oes)|cuestionarios?|questionarios?|semana \d+|semaine \d+|intentos?|tentativas?|tentatives?|practicas?|praticas?|videos? de (?:la|a) (?:clase|aula)|libros? de texto|livros?|manuels?|capitulos?|chapitres?|entregas?|notas? final(?:es)?|quizzes`;

/** Phrases that hold a learner-context word in another sense: "curso escolar" is the school year. */
export const NOT_LEARNER_CONTEXT = `curso (?:escolar|academico|lectivo)|ano (?:letivo|escolar|academico)|annee (?:scolaire|universitaire)|(?:school|academic) year`;

/** Words skipped when measuring how close a commercial word is to learner context. */
export const STOPWORDS = new Set(
  (
    'a an the of for to in on at by with from about my your our this that these those is are was were be ' +
    'i me we you it its his her their there here and or if do does did can could would will should ' +
    'between per any some each every all which what how' +
    ' el la los las un una unos unas de del al para por con en mi mis tu su sus este esta estos estas ese esa ' +
    'que y o es son se lo le' +
    ' o os as um uma do da dos das no na nos nas meu minha deste desta' +
    ' le les une des du au aux mon ma mes ce cet cette ces et ou est'
  ).split(' '),
);
