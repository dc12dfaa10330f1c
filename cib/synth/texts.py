"""Template families for the synthetic collection (vocabularies are in :mod:`cib.synth.vocab`).

Everything is fictional: the Republic of Tenir, its president Yerlan Taszhanov,
the opposition candidate Dana Myrzakhmet, the cities and the pop group. A
template is text with ``{slot}`` fields; a slot first resolves to the
template's language (``ru.topic``) and then to a language-free vocabulary
(``emo``). Families map a language to paraphrases of one kind of message, so
troll narratives keep their meaning while their wording differs; the
``cp_*`` families are the careful operators' versions of the same narratives.
"""

from __future__ import annotations

__all__ = ["FAMILIES", "LANGS"]

LANGS = ("ru", "kk", "en")

_ORG = {
    "ru": ["{open} {when} {daily}, {feel}{p} {aside}{emo}", "{open} {when} {place} {weather}{p} {aside}{emo}",
           "{person} говорит, что {claim}. {react} {aside}", "{open} Тема дня — {topic}. {q} {aside}",
           "Кто-нибудь объяснит, что происходит с темой «{topic}»? {q} {aside}",
           "{open} Моё мнение: {topic} — это {opinion}.{end} {aside}",
           "{when} ели {food} у родителей, {feel}{p} {aside}{emo}",
           "Посмотрел дебаты. {inc} {dinc}, а {opp} {dopp}. {q} {aside}",
           "{open} Пойду ли я на выборы? {vote} {aside}{emo}", "На участке {place} {queue}, был там в {clock}.{end}",
           "{open} Как говорится, \"{saying}\". {aside}{emo}",
           "Читаю новости про {topic} и думаю: «{thought}» {aside}{emo}",
           "Список дел на сегодня:\n1) {daily}\n2) успеть к {clock}\n3) не читать новости{emo}",
           "{place} {weather}, а все обсуждают {topic}{p}{end} {aside}", "{open} {when} {daily}. {q} {aside}",
           "Встал в {clock}, {daily}, потом {daily}... {feel}{p}{emo}",
           "Ждал автобус {n} минут {place}, {feel}{p} {aside}{emo}",
           "{open} Цены на {goods} выросли на {n}%, {feel}{p} {aside}"],
    "kk": ["{open} {when} {daily}, {feel}{p} {aside}{emo}", "{open} {place} {weather}{p} {aside}{emo}",
           "{open} Біздің шаһарда бүгін {weather}{p} {aside}", "{person} {claim} дейді. {react} {aside}",
           "{open} Күннің тақырыбы — {topic}. {q} {aside}", "{open} Менің ойымша, {topic} — {opinion}.{end} {aside}",
           "{when} ата-анамның үйінде {food} жедік, {feel}{p} {aside}{emo}",
           "Дебатты көрдім. {inc} {dinc}, ал {opp} {dopp}. {q} {aside}",
           "{open} Сайлауға барамын ба? {vote} {aside}{emo}", "Учаскеде {queue}, сағат {clock} болдым.{end}",
           "{open} Атам айтқандай: \"{saying}\". {aside}{emo}",
           "Бүгінгі жоспар:\n1) {daily}\n2) {clock} дейін үлгеру\n3) жаңалық оқымау{emo}",
           "{place} {weather}, ал бәрі {topic} туралы айтып жатыр{p}{end} {aside}", "{open} {when} {daily}. {q} {aside}",
           "Сағат {clock} тұрдым, {daily}, сосын {daily}... {feel}{p}{emo}",
           "Автобусты {n} минут күттім, {feel}{p} {aside}{emo}",
           "{open} {goods} бағасы {n}%-ға өсті, {feel}{p} {aside}"],
    "en": ["{open} {when} {daily}, {feel}{p} {aside}{emo}", "{open} {when} {place}: {weather}{p} {aside}{emo}",
           "{person} says {claim}. {react} {aside}", "{open} Topic of the day: {topic}. {q} {aside}",
           "{open} In my opinion {topic} is {opinion}.{end} {aside}",
           "{when} we had {food} at my parents', {feel}{p} {aside}{emo}",
           "Watched the debate. {inc} {dinc}, {opp} {dopp}. {q} {aside}", "{open} Am I voting? {vote} {aside}{emo}",
           "At the polling station {place} at {clock}: {queue}.{end}", "{open} As they say, \"{saying}\". {aside}{emo}",
           "To-do today:\n1) {daily}\n2) be there by {clock}\n3) don't read the news{emo}",
           "{open} {when} {daily}. {q} {aside}", "Up at {clock}, {daily}, then {daily}... {feel}{p}{emo}",
           "Waited {n} minutes for the bus {place}, {feel}{p} {aside}{emo}",
           "{open} {goods} prices up {n}%, {feel}{p} {aside}"],
}

FAMILIES: dict[str, dict[str, list[str]]] = {
    "org": _ORG,
    "org_reply": {
        "ru": ["Согласен{p}{emo}", "Ну не знаю, {react}", "{react} {q}", "Да ладно?{emo}", "У нас {place} так же{p}",
               "Спасибо, что написали{p}", "Это точно{p} {end}"],
        "kk": ["Келісемін{p}{emo}", "Білмеймін, {react}", "{react} {q}", "Шын ба?{emo}", "{place} да солай{p}",
               "Жазғаныңызға рахмет{p}", "Дәл солай{p} {end}"],
        "en": ["Agreed{p}{emo}", "Not sure, {react}", "{react} {q}", "No way?{emo}", "Same {place}{p}",
               "Thanks for posting{p}", "Exactly{p}{end}"],
    },
    "opp": {
        "ru": ["Мы требуем честных выборов! {call}{p}", "Наблюдатели сообщают о {viol} {place}{p}",
               "Дана Мырзахмет: {oquote}", "{call}. Каждый голос на счету{p}", "Почему {inc} отказался от дебатов?"],
        "kk": ["Біз әділ сайлау талап етеміз! {call}{p}", "Бақылаушылар {place} {viol} туралы хабарлайды{p}",
               "Дана Мырзахмет: {oquote}", "{call}. Әр дауыс маңызды{p}", "{inc} неге дебаттан бас тартты?"],
        "en": ["We demand a fair election! {call}{p}", "Observers report {viol} {place}{p}",
               "Dana Myrzakhmet: {oquote}", "{call}. Every vote counts{p}", "Why did {inc} skip the debate?"],
    },
    "gov": {
        "ru": ["Официально: {govnews}{p}", "ЦИК: {cec}{p}", "{inct} провёл встречу с {group}{p}",
               "{inct} открыл {facility} {place}{p}"],
        "kk": ["Ресми: {govnews}{p}", "ОСК: {cec}{p}", "{inct} {group} кездесті{p}", "{inct} {place} {facility} ашты{p}"],
        "en": ["Official: {govnews}{p}", "CEC: {cec}{p}", "{inct} met with {group}{p}", "{inct} opened {facility} {place}{p}"],
    },
    "bot_seed": {
        "ru": ["{inct} провёл встречу с {group}. {slogan}", "Новые рабочие места {place}: {inct} открыл {facility}{p}",
               "{eday}! {slogan}", "Официально: {govnews}. {slogan}"],
        "kk": ["{inct} {group} кездесті. {slogan}", "{inct} {place} {facility} ашты{p}", "{eday}! {slogan}",
               "Ресми: {govnews}. {slogan}"],
        "en": ["{inct} met with {group}. {slogan}", "New jobs {place}: {inct} opened {facility}{p}", "{eday}! {slogan}",
               "Official: {govnews}. {slogan}"],
    },
    "bot_copy": {
        "ru": ["{inct} — гарант стабильности и мира. {slogan} {eday}{p}{emo2}",
               "Я голосую за {inct}, потому что {reason}{p}{emo2}", "Мы вместе! {slogan} {eday}{p}{emo2}",
               "Друзья, {eday}. Я за {inct}, ведь {reason}{p}{emo2}"],
        "kk": ["{inct} – тұрақтылық пен бейбітшіліктің кепілі. {slogan} {eday}{p}{emo2}",
               "Мен {inct} үшін дауыс беремін, себебі {reason}{p}{emo2}", "Біз біргеміз! {slogan} {eday}{p}{emo2}"],
        "en": ["{inct} guarantees stability and peace. {slogan} {eday}{p}{emo2}",
               "I'm voting for {inct} because {reason}{p}{emo2}", "We are together! {slogan} {eday}{p}{emo2}"],
    },
    # four troll narratives, each with paraphrases per language: same claim, different words
    "tr_best": {
        "ru": ["Сейчас у страны нет лидера лучше, чем {inct}{p}", "Только {inct} способен провести страну через трудные времена{p}",
               "Кто, если не {inct}? Альтернативы сегодня просто нет{p}",
               "{inct} — единственный, кому можно доверить страну в такой момент{p}",
               "Опыт и сила — это {inct}. Другого выбора сейчас нет{p}",
               "В нынешней ситуации лучший руководитель для нас — {inct}{p}"],
        "kk": ["Бүгінгі таңда елді басқаруға ең лайықты адам — {inct}{p}",
               "Қиын кезеңде елді тек {inct} ғана алға апара алады{p}", "{inct} болмаса, кім? Қазір басқа балама жоқ{p}",
               "Елімізді сеніп тапсыратын жалғыз тұлға — {inct}{p}", "Тәжірибе мен күш — бұл {inct}. Қазір басқа таңдау жоқ{p}",
               "{inct} — халқымыздың нағыз қаһарманы, қазір бізге сол керек{p}"],
        "en": ["Right now there is no better leader for our country than {inct}{p}",
               "Only {inct} can steer us through these hard times{p}",
               "If not {inct}, then who? There is simply no alternative today{p}",
               "{inct} is the one person we can trust with the country at a moment like this{p}",
               "Experience and strength: that's {inct}. No other choice right now{p}",
               "In the current situation the best leader we could have is {inct}{p}"],
    },
    "tr_security": {
        "ru": ["Национальная безопасность важнее любых разговоров о правах человека{p}",
               "Права человека — это хорошо, но сначала безопасность страны{p}",
               "Без безопасности не будет никаких прав. Приоритет очевиден{p}",
               "Сначала защитим государство, а потом будем обсуждать свободы{p}",
               "Когда под угрозой страна, о правах можно поговорить и позже{p}"],
        "kk": ["Ұлттық қауіпсіздік адам құқықтары туралы кез келген әңгімеден маңызды{p}",
               "Адам құқықтары жақсы, бірақ алдымен елдің қауіпсіздігі{p}",
               "Қауіпсіздік болмаса, ешқандай құқық та болмайды. Басымдық анық{p}",
               "Алдымен мемлекетті қорғайық, бостандықтарды кейін талқылаймыз{p}",
               "Елге қауіп төнгенде құқықтар туралы кейін де сөйлесуге болады{p}"],
        "en": ["National security matters more than any talk about human rights{p}",
               "Human rights are fine, but the country's security comes first{p}",
               "Without security there are no rights at all. The priority is obvious{p}",
               "Let's protect the state first and debate freedoms later{p}",
               "When the nation is under threat, rights can wait{p}"],
    },
    "tr_foreign": {
        "ru": ["Митингующих спонсируют из-за рубежа, это очевидно{p}", "За этими протестами стоят иностранные деньги{p}",
               "Кому выгоден хаос на улицах? Точно не нам{p}", "Не ведитесь на провокации — протесты оплачены извне{p}"],
        "kk": ["Митингке шыққандар шетелдің ақшасына жұмыс істейді{p}", "Бұл наразылықтардың артында шетелдік қаржы тұр{p}",
               "Көшедегі бейберекеттік кімге тиімді? Бізге емес{p}",
               "Арандатуға ермеңіздер — наразылықтарды сырттан қаржыландырады{p}"],
        "en": ["The protesters are paid from abroad, it's obvious{p}", "Foreign money is behind these protests{p}",
               "Who benefits from chaos in the streets? Not us{p}",
               "Don't fall for provocations, these protests are funded from outside{p}"],
    },
    "tr_stability": {
        "ru": ["Стабильность дороже экспериментов. {eday}{p}", "Не будем рисковать будущим — голосуем за стабильность{p}",
               "Спокойствие в стране — наш главный выбор{p}", "Идём голосовать за порядок и уверенность в завтрашнем дне{p}"],
        "kk": ["Тұрақтылық тәжірибеден қымбат. {eday}{p}", "Болашағымызды тәуекелге тікпейік — тұрақтылыққа дауыс береміз{p}",
               "Елдегі тыныштық — біздің басты таңдауымыз{p}", "Тәртіп пен ертеңгі күнге сенім үшін дауыс берейік{p}"],
        "en": ["Stability beats experiments. {eday}{p}", "Let's not gamble with our future, vote for stability{p}",
               "Peace at home is our main choice{p}", "Let's vote for order and confidence in tomorrow{p}"],
    },
    "tr_reply": {
        "ru": ["Опять эти сказки от оппозиции{p}", "Хватит раскачивать лодку{p}", "Вы работаете на чужие интересы{p}",
               "Сколько вам заплатили за этот пост?", "Народ вам не верит{p}", "Очередная провокация, не ведитесь{p}",
               "Лучше бы делом занялись{p}"],
        "kk": ["Тағы да оппозицияның ертегілері{p}", "Қайықты шайқай бермеңіздер{p}",
               "Сіздер бөтен мүдде үшін жұмыс істейсіздер{p}", "Бұл пост үшін қанша төледі?", "Халық сіздерге сенбейді{p}",
               "Кезекті арандату, сенбеңіздер{p}"],
        "en": ["More fairy tales from the opposition{p}", "Stop rocking the boat{p}", "You're working for foreign interests{p}",
               "How much were you paid for this post?", "Nobody believes you{p}", "Another provocation, don't fall for it{p}"],
    },
    "news": {
        "ru": ["{head}{ntail}", "Главное за день: {head}{ntail}", "Новости {city}: {head}{ntail}"],
        "kk": ["{head}{ntail}", "Күннің басты жаңалығы: {head}{ntail}", "{city} жаңалықтары: {head}{ntail}"],
        "en": ["{head}{ntail}", "Top story: {head}{ntail}", "{city} news: {head}{ntail}"],
    },
    "fan_kb": {
        "ru": ["Слушаю «{song}» уже {nth} раз за день{emo}", "{member} сегодня просто космос{emo}",
               "Стримим «{song}», фандом, не сдаёмся!{emo}", "Доброе утро, KunBala-семья! {member} лучший{emo}",
               "Кто идёт на концерт {place}? Я жду не дождусь{emo}"],
        "kk": ["«{song}» әнін бүгін {nth} рет тыңдадым{emo}", "{member} бүгін керемет{emo}",
               "«{song}» әнін стримдейміз, берілмейміз!{emo}", "Қайырлы таң, KunBala отбасы! {member} ең мықты{emo}",
               "{place} концертке кім барады? Асыға күтемін{emo}"],
        "en": ["Listening to {song} for the {nth} time today{emo}", "{member} today was unreal{emo}",
               "Streaming {song}, fandom don't give up!{emo}", "Good morning KunBala fam! {member} is the best{emo}",
               "Who's going to the show {place}? Can't wait{emo}"],
    },
    "fan_fc": {
        "ru": ["{club} {match}{emo}", "Кто смотрит матч сегодня? {club} должен выиграть!",
               "Гол {player}! Какой удар{emo}", "{when} на стадионе было {weather}, но мы пели до конца{emo}"],
        "kk": ["{club} {match}{emo}", "Бүгін матчты кім көреді? {club} жеңуі керек!", "{player} гол соқты! Қандай соққы{emo}"],
        "en": ["{club} {match}{emo}", "Who's watching tonight? {club} must win!", "Goal by {player}! What a strike{emo}"],
    },
    "brk_protest": {
        "ru": ["Что происходит на площади?! {brk}", "Только что видел: полиция разгоняет людей у акимата. {brk}",
               "Говорят, в центре {fact}. {bq}", "Ужас, {fact}. Берегите себя{emo}", "Это правда, что {fact}? {bq}"],
        "kk": ["Алаңда не болып жатыр?! {brk}", "Жаңа ғана көрдім: полиция әкімдік алдында адамдарды қуып жатыр. {brk}",
               "Орталықта {fact} дейді. {bq}", "Сұмдық, {fact}. Өздеріңізді сақтаңыздар{emo}", "{fact} деген рас па? {bq}"],
        "en": ["What is happening on the square?! {brk}", "Just saw police dispersing people near city hall. {brk}",
               "Hearing that {fact} downtown. {bq}", "Terrible, {fact}. Stay safe{emo}", "Is it true that {fact}? {bq}"],
    },
    "brk_exitpoll": {
        "ru": ["Экзитпол: {inct} набирает {pct}%. {ep}", "Ничего себе, {pct}% по экзитполу! {ep}",
               "Первые цифры: {inct} — {pct}%. {ep}"],
        "kk": ["Экзитпол: {inct} {pct}% жинап жатыр. {ep}", "Экзитпол бойынша {pct}%! {ep}",
               "Алғашқы сандар: {inct} — {pct}%. {ep}"],
        "en": ["Exit poll: {inct} at {pct}%. {ep}", "Wow, {pct}% in the exit poll! {ep}", "First numbers: {inct} {pct}%. {ep}"],
    },
    "bio_org": {
        "ru": ["{job} | {city}. {hobby}", "{hobby}", "{city}", "{job}. Мнение — моё.", ""],
        "kk": ["{job} | {city}. {hobby}", "{hobby}", "{city}", "{job}. Пікір — менікі.", ""],
        "en": ["{job} | {city}. {hobby}", "{hobby}", "{city}", "{job}. Views my own.", ""],
    },
    "bio_bot": {
        "ru": ["Патриот. {slogan}", "Люблю свою страну{emo2}", ""], "kk": ["Отаншыл. {slogan}", "Елімді сүйемін{emo2}", ""],
        "en": ["Patriot. {slogan}", "Love my country{emo2}", ""],
    },
    "bio_troll": {
        "ru": ["{job}. За сильную страну.", "Гражданин. Против провокаций.", "{job} | {city}"],
        "kk": ["{job}. Күшті ел үшін.", "Азамат. Арандатуға қарсы.", "{job} | {city}"],
        "en": ["{job}. For a strong country.", "Citizen. Against provocations.", "{job} | {city}"],
    },
    "bio_news": {
        "ru": ["Новости: {city} и вся страна, 24/7", "Главные новости страны"],
        "kk": ["{city} және бүкіл ел жаңалықтары 24/7", "Елдің басты жаңалықтары"],
        "en": ["News from {city} and the whole country, 24/7", "Top national news"],
    },
    "bio_fan": {
        "ru": ["KunBala 💛 {member}", "Фанат {club} с детства", "Стримлю «{song}» каждый день"],
        "kk": ["KunBala 💛 {member}", "Бала кезден {club} жанкүйері", "«{song}» әнін күнде тыңдаймын"],
        "en": ["KunBala stan 💛 {member}", "{club} fan since forever", "Streaming {song} daily"],
    },
    "bio_opp": {
        "ru": ["Кандидат в президенты. За перемены.", "Независимый журналист.", "Гражданский активист. {city}"],
        "kk": ["Президенттікке кандидат. Өзгеріс үшін.", "Тәуелсіз журналист.", "Азаматтық белсенді. {city}"],
        "en": ["Presidential candidate. For change.", "Independent journalist.", "Civic activist. {city}"],
    },
    "bio_gov": {
        "ru": ["Официальный аккаунт", "Государственное информационное агентство"],
        "kk": ["Ресми аккаунт", "Мемлекеттік ақпарат агенттігі"],
        "en": ["Official account", "State news agency"],
    },
}

FAMILIES["bio_press"] = {
    "ru": ["Журналист {city}. Пишу о том, что важно", "Корреспондент. {city}", "Редактор отдела новостей"],
    "kk": ["{city} журналисі", "Тілші. {city}", "Жаңалықтар бөлімінің редакторы"],
    "en": ["Reporter, {city}. Views my own", "Correspondent. {city}", "News desk editor"],
}

# Careful operators say the talking point in their own words: a personal opener
# and closer from long, mostly empty pools instead of the network's stock
# phrases, so two members rarely share a word pair beyond the claim itself.
# Variants are aligned across languages, so variant i in Kazakh translates
# variant i in Russian (the day's brief, translated).
for _fam in ("tr_best", "tr_security", "tr_foreign", "tr_stability", "tr_reply"):
    FAMILIES["cp" + _fam[2:]] = {lang: ["{cpo} " + t + " {cpc}" for t in texts] for lang, texts in FAMILIES[_fam].items()}

# Operators dress each talking point with an opener and a closer, so members
# rarely post the very same sentence even when they push the same claim.
for _fam in ("tr_best", "tr_security", "tr_foreign", "tr_stability", "tr_reply"):
    for _lang, _texts in FAMILIES[_fam].items():
        FAMILIES[_fam][_lang] = ["{tro} " + _t + " {trc}{emo}" for _t in _texts]
