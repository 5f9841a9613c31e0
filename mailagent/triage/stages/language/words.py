"""Function words of the languages the language stage separates by n-grams.

Character n-grams confuse close relatives (Spanish/Portuguese/Italian, Dutch/German,
Danish/Norwegian, Russian/Bulgarian) on short text; their most frequent function words do
not. Each list holds common articles, pronouns, prepositions, conjunctions, auxiliaries and
very frequent adverbs of one language, written from grammar knowledge (not taken from any
evaluation data). A word listed for several languages counts for each of them, so shared
words ("de", "a") discriminate little; a word common to several languages must be listed
for all of them. Spanish also has the unaccented spellings mail often uses (asi, tambien).
"""

from __future__ import annotations

__all__ = ["FUNCTION_WORDS"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the a an and or but of to in on at for with from by about as is are was were be "
        "been being have has had do does did not no yes this that these those it its they "
        "them their we our you your he she his her him i me my will would can could should "
        "shall may might must there here what which who whom when where why how if then "
        "than so very also just only please thanks thank dear regards kind best"
    ),
    "de": _words(
        "der die das den dem des ein eine einen einem einer eines und oder aber nicht kein "
        "keine ist sind war waren wird werden wurde hat haben hatte ich du er sie es wir ihr "
        "mich mir dich dir uns euch sich mit von zu zum zur bei nach aus auf für über unter "
        "durch gegen ohne um auch noch schon nur sehr wie wenn weil dass ob doch bitte danke "
        "ihnen ihre ihr unser unsere diese dieser dieses wir sehr geehrte freundlichen grüßen alle"
    ),
    "es": _words(
        "han ha he has hemos había habia habían hubo hubiera haber sido siendo estaba estaban "
        "estoy asi así tambien aquí aqui ahí alli allí despues además ademas todavía "
        "mientras desde hasta entre según sino ni uno dos tres cual cuales qué cómo dónde "
        "cuándo quién algún alguno alguna algunos algunas mismo misma otros otras vez veces "
        "hoy mañana ayer pues buen bueno buena buenos buenas muy día días ningún ninguna "
        "tanto durante poco "
        "el la los las un una unos unas y o a pero que de del al en con por para sin sobre "
        "es son fue era está están estamos ser estar hay yo tú él ella nosotros ustedes "
        "usted ellos ellas me te se le les lo nos mi mis su sus nuestro nuestra este esta "
        "esto estos estas ese esa eso muy más también ya cuando donde como porque pero si no "
        "gracias saludos estimado estimada hola favor haya había hay bien aquí ahora hasta todo "
        "toda todos quien soy voy va creo nada algo cada mucho mucha muchos muchas siempre nunca "
        "nuestros nuestras vuestro os ellos tiene tienes tengo tenemos puede puedo hacer decir "
        "porque aunque entonces después antes otro otra también sólo solo están"
    ),
    "pt": _words(
        "mesmo mesma ainda assim pois porém nem tudo nada qual quais quanto lá seus suas dele "
        "dela deles delas aquele aquela aquilo estes estas estou estava estavam foram tinha "
        "ter pode podem feito hoje amanhã ontem bom boa bons boas desde entre durante após "
        "vez vezes dois duas três mim sido nele nela neste nesta nesse "
        "o a os as um uma uns umas e ou mas que de do da dos das no na nos nas ao aos em "
        "com por pelo pela pelos pelas para sem sobre é são foi era está estão estamos ser "
        "estar há eu tu ele ela nós vocês você eles elas me te se lhe lhes nos meu minha "
        "seu sua nosso nossa este esta isto esse essa isso muito mais também já quando onde "
        "como porque não sim obrigado obrigada atenciosamente prezado prezada olá favor num "
        "numa à às até tem têm bem aqui agora todo toda todos quem sou vou vai cada muita muitos "
        "muitas sempre nunca nossos nossas vosso eles tens tenho temos pode posso fazer dizer "
        "embora então depois antes outro outra só estão vocês"
    ),
    "fr": _words(
        "est cela ça dont lorsque lorsqu jusqu puisqu quelqu puis donc ni sera seront là "
        "serait étaient avait avaient aura aurait entre vers depuis pendant selon contre "
        "ainsi bien même rien quelque quelques chaque plusieurs autres trop moins tant voici "
        "voilà pourquoi quel quelle quels quelles eux n soit deux trois celui celle "
        "le la les un une des du de et ou mais que qui dans en au aux avec par pour sans sur "
        "sous est sont était été être avoir ai as a avons avez ont je tu il elle nous vous "
        "ils elles me te se lui leur leurs mon ma mes ton ta tes son sa ses notre nos votre "
        "vos ce cet cette ces ne pas plus très aussi déjà quand où comme parce si oui non "
        "merci bonjour cordialement madame monsieur svp à d l qu j quoi moi toi ceux ci on "
        "peut y beaucoup toujours jamais aussi avec chez leurs tout tous toute toutes fait faire "
        "dire peu encore ici alors après avant autre"
    ),
    "it": _words(
        "alla alle agli ai dai dagli dalle nei negli nelle sui sugli sulle col queste quei "
        "quegli cui chi ciò così però quindi ogni qualche molti molta molte poco troppo tanto "
        "stato stata stati sarà sarebbe aveva avevano fu può possono sia siano fosse oggi "
        "domani ieri qua là lì oppure né cioè dunque invece mentre senza verso sotto sopra "
        "fino solo uno due tre ora quanto durante "
        "il lo la i gli le un uno una e o a ma che di del della dei degli delle da dal dalla "
        "in nel nella con per su sul sulla tra fra è sono era erano essere avere ho hai ha "
        "abbiamo avete hanno io tu lui lei noi voi loro mi ti si ci vi mio mia suo sua "
        "nostro nostra questo questa quello quella molto più anche già quando dove come "
        "perché se non sì grazie saluti gentile cordiali buongiorno l d dell all nell c è "
        "sempre mai tutti tutto tutta fatto fare dire poi ancora qui allora dopo prima altro "
        "altra siamo questi quelli"
    ),
    "nl": _words(
        "de het een en of maar niet geen is zijn was waren wordt worden werd heeft hebben "
        "had ik jij je hij zij ze wij we jullie u mij me ons hun haar zich met van voor naar "
        "uit op aan bij over onder door tegen zonder om ook nog al alleen zeer heel hoe als "
        "omdat dat dit deze die wat wie waar wanneer er hier daar graag bedankt dank groeten "
        "geachte beste vriendelijke werden"
    ),
    "pl": _words(
        "i w z na do nie się jest są był była było to ten ta te tego tej jak że ale lub albo "
        "czy dla od po przez przy o we ze za pod nad bez jestem jesteśmy mamy ma mam ich "
        "jego jej nasz nasza wasz pan pani państwo proszę dziękuję dzień dobry pozdrawiam "
        "bardzo także również już tylko gdzie kiedy który która które"
    ),
    "tr": _words(
        "ve veya ile bir bu şu o için gibi ama fakat çok daha en de da mi mı mu mü ne değil "
        "var yok ben sen biz siz onlar bizim sizin onun olarak olan oldu olur ise kadar "
        "sonra önce merhaba teşekkürler teşekkür ederiz saygılarımızla lütfen sayın"
    ),
    "sv": _words(
        "och eller men inte är var att det den en ett som för på med av till från om jag "
        "du han hon vi ni de oss er sig min din vår hur när där här också bara mycket tack "
        "hälsningar vänliga"
    ),
    "da": _words(
        "og eller men ikke er var at det den en et som for på med af til fra om jeg du han "
        "hun vi de os jer sig min din vores hvordan hvornår hvor her også kun meget tak "
        "hilsen venlig"
    ),
    "no": _words(
        "og eller men ikke er var at det den en et som for på med av til fra om jeg du han "
        "hun vi dere de oss seg min din vår hvordan når hvor her også bare veldig takk "
        "hilsen vennlig"
    ),
    "cs": _words(
        "a i v ve na do z ze s se je jsou byl byla bylo to ten ta že ale nebo jak pro od po "
        "při o bez jsem jsme máme má mám jeho její náš váš prosím děkuji dobrý den "
        "pozdravem velmi také už jen kde kdy který která které"
    ),
    "ro": _words(
        "și sau dar nu este sunt era a fost un o unei unui cu de la în pe pentru din prin "
        "despre eu tu el ea noi voi ei ele mă te se îmi meu mea nostru noastră acest "
        "această foarte mai și când unde cum pentru că mulțumesc stimate bună ziua"
    ),
    "id": _words(
        "dan atau tetapi tidak adalah ini itu yang di ke dari untuk dengan pada dalam oleh "
        "saya kami kita anda dia mereka akan sudah belum bisa dapat juga hanya sangat "
        "terima kasih bapak ibu mohon salam"
    ),
    "fi": _words(
        "ja tai mutta ei on ovat oli olivat se tämä että kun jos minä sinä hän me te he "
        "meidän teidän myös vain hyvin kiitos ystävällisin terveisin hyvä"
    ),
    "hu": _words(
        "és vagy de nem igen az egy ez hogy van vannak volt én te ő mi ti ők nekem neked "
        "velem is csak nagyon köszönöm üdvözlettel tisztelt kedves"
    ),
    # Russian and Bulgarian share many short words; each list holds both the shared ones
    # and those of its own language (Russian: что, для, у, к, же, уже, очень, который;
    # Bulgarian: това, ще, е, са, като, какво, защо, също, вече, някой, който).
    # Languages answered as "other": their function words keep their texts away from
    # the supported relatives (Galician from Portuguese/Spanish, Catalan from Spanish).
    "gl": _words(
        "unha unhas cunha coa coas cos polo pola polos polas nun nunha moi xa tamén cando "
        "grazas dende mentres aínda lle lles vos nosa noso nosos nosas vosa voso súa seu "
        "eles elas isto iso aquí agora porque non ou sempre hai facer ser ter está están "
        "da do das dos na no nas nos ao aos o a os as e de en con por para que se "
        "vez veces outra outro outras outros todo toda todos todas durante sobre entre sen "
        "mesmo mesma ela el vai van foi era son é estou temos ten teñen pode poden ben alí "
        "onde como máis menos cada algo nada moito moita moitos moitas hoxe mañá"
    ),
    "ca": _words(
        "el la els les un una uns unes i o però que de del dels al als en amb per sense "
        "sobre és són era està estan ser jo tu ell ella nosaltres vosaltres ells elles em et "
        "es li ens us meu meva seu seva nostre nostra aquest aquesta això molt més també ja "
        "quan on com perquè si no gràcies moltes vam van han ha hem heu hi ho aquí ara"
    ),
    "af": _words(
        "die en van het is nie ek jy hy sy ons julle hulle dit wat wie waar hoe wanneer "
        "met vir op in aan by na uit oor sal kan moet wil was word baie ook net asseblief "
        "dankie"
    ),
    "ru": _words(
        "и в во не на я что он она оно они с со как а то все всё так его её ее но да ты к у "
        "же вы за бы по только мне меня было был была были вот от еще ещё нет о об из ему "
        "когда даже ну ли если уже или ни быть до вас вам ведь там потом себя ничего может "
        "тут где есть надо для мы тебя их чем сам без чего тоже себе под будет тогда кто "
        "этот того потому какой здесь один почти мой тем чтобы сейчас куда можно при хоть "
        "после над больше тот через эти нас про всего них много три хорошо перед лучше "
        "нельзя такой им всегда конечно между пожалуйста спасибо здравствуйте уважаемый "
        "теперь вдруг нибудь опять уж ей ней чтоб будто этого совсем ним этом нее него всех "
        "никогда зачем наконец другой какая разве эту моя впрочем свою этой иногда чуть "
        "том более всю очень также нужно который которая которое которые которых какие "
        "такая такое такие сегодня завтра пусть хотя снова просто одна одно будут нам ними "
        "нами вами мной собой кому чему лишь пока вообще значит два"
    ),
    "bg": _words(
        "а ли все и в във на не се да за от с със е че са по ще как но към това този тази тези той "
        "тя то те ние вие аз ти си съм сме сте беше бил била били има няма който която "
        "което които само още така тук там където когато ако или защото след преди между "
        "при без до през бъде може трябва много мен ме ми ни ви му й им нещо всичко благодаря "
        "здравейте уважаеми под над сам почти три нас вас мой моя после из него нея тях ги "
        "го ѝ какво кой коя кое кои защо къде кога сега вече също обаче нищо всички всеки "
        "всяка всяко някой някои никой като докато чрез освен заради според върху пред зад "
        "днес утре малко дори винаги никога понякога веднага отново наистина добре моля "
        "бяха бях един една едно едни нали значи ами пък щом ето затова понеже тогава "
        "толкова колко искам знам мога имаме имате нямаме бих бихте бъдат дали два"
    ),
}
